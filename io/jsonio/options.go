package jsonio

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ember-df/ember/io/internal/javatime"
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

// Options configure reading and writing. The zero value is not useful:
// start from DefaultOptions or ParseOptions.
type Options struct {
	// Mode is what happens to a malformed record when reading.
	Mode Mode
	// CorruptColumn is the name of the string column that receives the raw
	// text of malformed records in PERMISSIVE mode, when the schema has it.
	CorruptColumn string
	// SamplingRows is how many records schema inference reads.
	SamplingRows int
	// PrimitivesAsString makes schema inference type every number and
	// boolean as a string (holding the value's JSON text).
	PrimitivesAsString bool
	// DropFieldIfAllNull makes schema inference leave out the fields that
	// are NULL (or empty arrays or objects) in every sampled record,
	// instead of typing them as strings.
	DropFieldIfAllNull bool
	// DateFormat and TimestampFormat are Spark (Java) patterns such as
	// dd/MM/yyyy or yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX], or Go time layouts
	// (a pattern holding a digit is taken as a Go layout). They apply to
	// date and timestamp columns of a given schema (inference never types
	// a string as a date) and to writing. Empty means yyyy-MM-dd for dates;
	// for timestamps, RFC 3339 and its variants when reading, and RFC 3339
	// with up to nanoseconds when writing.
	DateFormat      string
	TimestampFormat string
	// IgnoreNullFields leaves NULL fields out of written objects, as Spark
	// does by default; false writes them as null.
	IgnoreNullFields bool
	// Partitions is the parallelism the reader splits files for.
	Partitions int
	// MaxSplitBytes caps the size of one split.
	MaxSplitBytes int64
	// Compression is the codec part files are written with, a value of
	// Spark's compression option: gzip, bzip2, zstd, lz4, snappy or
	// deflate; none, uncompressed or empty for none. The part files' names
	// end with the codec's extension (part-00000-….json.gz). Reading ignores
	// it: a file's extension picks its codec.
	Compression string
}

// DefaultOptions are Spark's defaults.
func DefaultOptions() Options {
	return Options{
		CorruptColumn:    parsemode.DefaultCorruptColumn,
		SamplingRows:     20480,
		IgnoreNullFields: true,
		Partitions:       1,
		MaxSplitBytes:    128 << 20,
	}
}

// ParseOptions reads Spark-named options (case-insensitive keys) over
// DefaultOptions, for reading and writing alike; an unknown option or a
// bad value is an error naming it.
func ParseOptions(kv map[string]string) (Options, error) {
	o := DefaultOptions()
	for k, v := range kv {
		var err error
		switch strings.ToLower(k) {
		case "mode":
			o.Mode, err = parsemode.Parse(v)
		case "columnnameofcorruptrecord":
			o.CorruptColumn = v
		case "samplingrows":
			o.SamplingRows, err = strconv.Atoi(v)
			if err == nil && o.SamplingRows < 1 {
				err = fmt.Errorf("must be at least 1")
			}
		case "primitivesasstring":
			o.PrimitivesAsString, err = strconv.ParseBool(v)
		case "dropfieldifallnull":
			o.DropFieldIfAllNull, err = strconv.ParseBool(v)
		case "dateformat":
			o.DateFormat = v
		case "timestampformat":
			o.TimestampFormat = v
		case "ignorenullfields":
			o.IgnoreNullFields, err = strconv.ParseBool(v)
		case "compression", "codec":
			_, err = storage.CodecByName(v)
			o.Compression = v
		case "maxpartitionbytes":
			o.MaxSplitBytes, err = strconv.ParseInt(v, 10, 64)
			if err == nil && o.MaxSplitBytes < 1 {
				err = fmt.Errorf("must be at least 1")
			}
		case "multiline":
			// One record per line is what this package reads.
			var multi bool
			if multi, err = strconv.ParseBool(v); err == nil && multi {
				err = fmt.Errorf("only JSON lines (one record per line) are supported")
			}
		case "encoding", "charset":
			if !strings.EqualFold(strings.ReplaceAll(v, "-", ""), "utf8") {
				err = fmt.Errorf("only UTF-8 is supported")
			}
		default:
			return o, fmt.Errorf("jsonio: unknown option %q", k)
		}
		if err != nil {
			return o, fmt.Errorf("jsonio: option %s=%q: %w", k, v, err)
		}
	}
	if err := o.check(); err != nil {
		return o, err
	}
	return o, nil
}

// check rejects options that cannot work, such as a bad date pattern.
func (o Options) check() error {
	if o.Mode < Permissive || o.Mode > FailFast {
		return fmt.Errorf("jsonio: unknown mode %s", o.Mode)
	}
	if _, err := javatime.Layouts(o.DateFormat, ""); err != nil {
		return fmt.Errorf("jsonio: %w", err)
	}
	if _, err := javatime.Layouts(o.TimestampFormat, ""); err != nil {
		return fmt.Errorf("jsonio: %w", err)
	}
	return nil
}
