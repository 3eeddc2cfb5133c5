package csvio

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ember-df/ember/io/internal/parsemode"
	"github.com/ember-df/ember/storage"
)

// Mode says what the reader does with a malformed record (Spark's mode
// option); its String is the Spark name.
type Mode = parsemode.Mode

// The parse modes, as Spark names them.
const (
	// Permissive sets what cannot be read to NULL and keeps the row.
	Permissive = parsemode.Permissive
	// DropMalformed skips malformed records.
	DropMalformed = parsemode.DropMalformed
	// FailFast stops at the first malformed record with an error wrapping
	// ErrMalformed.
	FailFast = parsemode.FailFast
)

// Options configure reading and writing.
type Options struct {
	Header    bool
	Delimiter byte
	// Quote encloses fields that hold delimiters, quotes or line ends; 0
	// (Spark's quote="") turns quoting off: every byte is data, and a
	// record ends at the first line end. Without quoting the writer
	// refuses (ErrCannotWrite) a value holding the delimiter or a line
	// end, rather than write one that reads back as other fields.
	Quote  byte
	Escape byte // inside quotes, escapes the next character; 0 or Quote means "" only
	// Comment, when not 0, starts a comment line: a record whose first
	// byte it is, is skipped (Spark's comment option).
	Comment byte
	// SkipRows skips the first SkipRows lines of every file, before the
	// header (Databricks' skipRows, DuckDB's skip). Lines are counted as
	// the reader counts them in errors: \n, \r and \r\n each end one.
	SkipRows int
	// Encoding is the files' character set (Spark's encoding or charset
	// option), by its Java name or alias: "" or UTF-8; US-ASCII;
	// ISO-8859-1 (latin1) to ISO-8859-16; windows-874 and windows-1250 to
	// windows-1258; KOI8-R, KOI8-U; the DOS code pages IBM437, IBM850,
	// IBM852, IBM855, IBM00858, IBM860, IBM862, IBM863, IBM865, IBM866;
	// x-MacRoman; the EBCDIC IBM037, IBM1047, IBM01140; UTF-16, UTF-16BE,
	// UTF-16LE, UTF-32, UTF-32BE, UTF-32LE; Shift_JIS (windows-31j),
	// EUC-JP, ISO-2022-JP, EUC-KR, GBK (GB2312), GB18030 and Big5.
	// Text is converted to UTF-8. UTF-16 and UTF-32 take their byte order
	// from a byte order mark, else big-endian as Java does, unless the
	// file starts with an ASCII character in little-endian order; the
	// mark is no part of the first field. Bytes that are not a character
	// of the charset become U+FFFD, as Java's decoders make them.
	//
	// Files in UTF-8 and the single-byte charsets whose first 128
	// characters are ASCII are split and read in parallel; files in the
	// others (UTF-16, UTF-32, the East Asian multi-byte charsets, EBCDIC)
	// are decoded from start to end, one split per file, in bounded
	// memory (EXPLAIN says "(UTF-16: not split)").
	//
	// In UTF-8 files a string field that is not valid UTF-8 makes the
	// record malformed (FAILFAST fails, PERMISSIVE keeps it NULL and the
	// record in the corrupt-record column, DROPMALFORMED drops it), so
	// that no string column ever holds invalid UTF-8.
	//
	// The writer encodes its files in Encoding; a string holding a
	// character the charset lacks is an error naming the column and row.
	Encoding string
	// MaxCharsPerColumn, when positive, is the most characters a field
	// may hold (Spark's maxCharsPerColumn; 0, as Spark's -1, is no
	// limit): a longer one makes the record malformed, and PERMISSIVE
	// sets that field to NULL.
	MaxCharsPerColumn int
	// MaxRecordBytes is the most bytes one record may span, its quoted
	// line ends included; 0 means DefaultMaxRecordBytes. A longer record
	// — or a quote that never closes, or a file with no line end, which
	// would otherwise make one record of all that follows — is
	// malformed: FAILFAST fails naming the file and line, PERMISSIVE
	// keeps a row of NULLs with the record's first MaxRecordBytes bytes
	// in the corrupt-record column, DROPMALFORMED drops it. Reading
	// resumes after the record's end, so a split never holds more than
	// about MaxRecordBytes of the file in memory.
	MaxRecordBytes int
	// NullValue is the text of a NULL. An empty unquoted field is NULL
	// too, while a quoted empty field ("") is the empty string.
	NullValue   string
	InferSchema bool
	// SamplingRows is how many records schema inference reads.
	SamplingRows int
	Mode         Mode
	// CorruptColumn is the name of the column that receives the raw text of
	// malformed records in PERMISSIVE mode, when the schema has it.
	CorruptColumn string
	// DateFormat and TimestampFormat are Spark (Java) patterns such as
	// dd/MM/yyyy or yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX], or Go time layouts
	// (a pattern holding a digit is taken as a Go layout). The writer
	// formats with them too. Empty means yyyy-MM-dd for dates; for
	// timestamps, RFC 3339 and its variants when reading, and RFC 3339
	// with up to nanoseconds when writing.
	DateFormat      string
	TimestampFormat string
	// Partitions is the parallelism the reader splits files for.
	Partitions int
	// MaxSplitBytes caps the size of one split.
	MaxSplitBytes int64
	// Compression is the codec part files are written with, a value of
	// Spark's compression option: gzip, bzip2, zstd, lz4, snappy or
	// deflate; none, uncompressed or empty for none. The part files' names
	// end with the codec's extension (part-00000-….csv.gz). Reading ignores
	// it: a file's extension picks its codec.
	Compression string
}

// DefaultMaxRecordBytes is the MaxRecordBytes of the zero Options: far
// above any record a table of a few thousand columns needs (DuckDB's
// max_line_size is 2 MB), and still a bounded buffer per split.
const DefaultMaxRecordBytes = 64 << 20

// DefaultOptions are Spark's defaults, except that a quote inside a quoted
// field is escaped by doubling it (RFC 4180) as well as with a backslash.
func DefaultOptions() Options {
	return Options{
		Delimiter:     ',',
		Quote:         '"',
		Escape:        '\\',
		SamplingRows:  20480,
		CorruptColumn: parsemode.DefaultCorruptColumn,
		Partitions:    1,
		MaxSplitBytes: 128 << 20,
	}
}

// ParseOptions reads Spark-named options (case-insensitive keys) over
// DefaultOptions; an unknown option or a bad value is an error.
func ParseOptions(kv map[string]string) (Options, error) {
	o := DefaultOptions()
	for k, v := range kv {
		var err error
		switch strings.ToLower(k) {
		case "header":
			o.Header, err = strconv.ParseBool(v)
		case "sep", "delimiter":
			o.Delimiter, err = oneByte(k, unescape(v))
		case "quote":
			if v == "" || v == "\x00" {
				o.Quote = 0 // Spark's way of turning quoting off
			} else {
				o.Quote, err = oneByte(k, v)
			}
		case "comment":
			if v == "" || v == "\x00" {
				o.Comment = 0
			} else {
				o.Comment, err = oneByte(k, v)
			}
		case "skiprows", "skip":
			o.SkipRows, err = strconv.Atoi(v)
			if err == nil && o.SkipRows < 0 {
				err = fmt.Errorf("must not be negative")
			}
		case "escape":
			o.Escape, err = oneByte(k, v)
		case "nullvalue":
			o.NullValue = v
		case "inferschema":
			o.InferSchema, err = strconv.ParseBool(v)
		case "samplingrows":
			o.SamplingRows, err = strconv.Atoi(v)
		case "mode":
			o.Mode, err = parsemode.Parse(v)
		case "columnnameofcorruptrecord":
			o.CorruptColumn = v
		case "dateformat":
			o.DateFormat = v
		case "timestampformat":
			o.TimestampFormat = v
		case "multiline":
			// Quoted line ends are always supported.
		case "encoding", "charset":
			var cs *charset
			if cs, err = lookupCharset(v); err == nil {
				o.Encoding = cs.name
			}
		case "maxcharspercolumn":
			o.MaxCharsPerColumn, err = strconv.Atoi(v)
			switch {
			case err == nil && o.MaxCharsPerColumn == -1:
				o.MaxCharsPerColumn = 0
			case err == nil && o.MaxCharsPerColumn <= 0:
				err = fmt.Errorf("must be positive, or -1 for no limit")
			}
		case "maxrecordbytes", "max_line_size", "maxlinesize":
			o.MaxRecordBytes, err = strconv.Atoi(v)
			if err == nil && o.MaxRecordBytes <= 0 {
				err = fmt.Errorf("must be positive")
			}
		case "compression", "codec":
			_, err = storage.CodecByName(v)
			o.Compression = v
		case "maxpartitionbytes":
			o.MaxSplitBytes, err = strconv.ParseInt(v, 10, 64)
		default:
			return o, fmt.Errorf("csvio: unknown option %q", k)
		}
		if err != nil {
			return o, fmt.Errorf("csvio: option %s=%q: %w", k, v, err)
		}
	}
	return o, nil
}

// check rejects options with which records or fields cannot be found.
func (o Options) check() error {
	switch {
	case o.Delimiter == o.Quote:
		return fmt.Errorf("csvio: the delimiter and the quote are both %q", o.Delimiter)
	case o.Delimiter == '\n' || o.Delimiter == '\r':
		return fmt.Errorf("csvio: the delimiter cannot be a line break")
	case o.Quote == '\n' || o.Quote == '\r':
		return fmt.Errorf("csvio: the quote cannot be a line break")
	case o.Comment != 0 && (o.Comment == o.Delimiter || o.Comment == o.Quote || o.Comment == '\n' || o.Comment == '\r'):
		return fmt.Errorf("csvio: the comment character %q is also the delimiter, the quote or a line break", o.Comment)
	case o.SkipRows < 0:
		return fmt.Errorf("csvio: skipRows %d is negative", o.SkipRows)
	case o.MaxCharsPerColumn < 0:
		return fmt.Errorf("csvio: maxCharsPerColumn %d is negative", o.MaxCharsPerColumn)
	case o.MaxRecordBytes < 0:
		return fmt.Errorf("csvio: maxRecordBytes %d is negative", o.MaxRecordBytes)
	}
	if _, err := lookupCharset(o.Encoding); err != nil {
		return fmt.Errorf("csvio: encoding %q: %w", o.Encoding, err)
	}
	return nil
}

// maxRecordBytes is the record cap in force.
func (o Options) maxRecordBytes() int {
	if o.MaxRecordBytes > 0 {
		return o.MaxRecordBytes
	}
	return DefaultMaxRecordBytes
}

func unescape(v string) string {
	if v == `\t` {
		return "\t"
	}
	return v
}

func oneByte(k, v string) (byte, error) {
	if len(v) != 1 {
		return 0, fmt.Errorf("%s must be a single byte", k)
	}
	return v[0], nil
}
