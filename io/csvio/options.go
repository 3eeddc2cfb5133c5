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
	Quote     byte
	Escape    byte // inside quotes, escapes the next character; 0 or Quote means "" only
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
			o.Quote, err = oneByte(k, v)
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
		case "multiline", "encoding", "charset":
			// Quoted newlines are always supported; only UTF-8 is read.
			if strings.EqualFold(k, "encoding") || strings.EqualFold(k, "charset") {
				if !strings.EqualFold(strings.ReplaceAll(v, "-", ""), "utf8") {
					err = fmt.Errorf("only UTF-8 is supported")
				}
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
	}
	return nil
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
