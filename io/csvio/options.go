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
	// record ends at the first line end.
	Quote  byte
	Escape byte // inside quotes, escapes the next character; 0 or Quote means "" only
	// Comment, when not 0, starts a comment line: a record whose first
	// byte it is, is skipped (Spark's comment option).
	Comment byte
	// SkipRows skips the first SkipRows lines of every file, before the
	// header (Databricks' skipRows, DuckDB's skip). Lines are counted as
	// the reader counts them in errors: \n, \r and \r\n each end one.
	SkipRows int
	// Encoding is the files' character set: "" or UTF-8, or ISO-8859-1
	// (latin1), whose bytes are converted to UTF-8. In UTF-8 files a
	// string field that is not valid UTF-8 makes the record malformed
	// (FAILFAST fails, PERMISSIVE keeps it NULL and the record in the
	// corrupt-record column, DROPMALFORMED drops it), so that no string
	// column ever holds invalid UTF-8.
	Encoding string
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
			o.Encoding, err = encodingName(v)
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
	}
	if _, err := encodingName(o.Encoding); err != nil {
		return fmt.Errorf("csvio: encoding %q: %w", o.Encoding, err)
	}
	return nil
}

// encodingName is the canonical name of a supported character set:
// "" for UTF-8, "latin1" for ISO-8859-1.
func encodingName(v string) (string, error) {
	switch strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(v)) {
	case "", "utf8":
		return "", nil
	case "latin1", "iso88591", "l1", "cp819", "iso885915":
		if strings.Contains(v, "15") {
			break // ISO-8859-15 differs from Latin-1 in 8 characters
		}
		return "latin1", nil
	}
	return "", fmt.Errorf("unsupported encoding (UTF-8 or ISO-8859-1/latin1)")
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
