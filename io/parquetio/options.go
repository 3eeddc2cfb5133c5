package parquetio

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/parquet/compress"
)

// Options configure reading and writing.
type Options struct {
	// Compression is the codec of written files: snappy (default), zstd,
	// gzip, brotli, lz4 or none.
	Compression string
	// RowGroupRows caps the rows of a written row group (default 1Mi).
	RowGroupRows int64
	// Partitions is the parallelism the reader splits files for.
	Partitions int
	// MaxSplitBytes caps the bytes of row groups one partition reads.
	MaxSplitBytes int64
}

// DefaultOptions are the defaults.
func DefaultOptions() Options {
	return Options{Compression: "snappy", RowGroupRows: 1 << 20, Partitions: 1, MaxSplitBytes: 128 << 20}
}

// ParseOptions reads options by name (case-insensitive) over
// DefaultOptions; an unknown option or a bad value is an error.
func ParseOptions(kv map[string]string) (Options, error) {
	o := DefaultOptions()
	for k, v := range kv {
		var err error
		switch strings.ToLower(k) {
		case "compression", "codec":
			o.Compression = strings.ToLower(v)
			_, err = o.codec()
		case "rowgrouprows", "rowgroupsize":
			o.RowGroupRows, err = strconv.ParseInt(v, 10, 64)
			if err == nil && o.RowGroupRows < 1 {
				err = fmt.Errorf("must be at least 1")
			}
		case "maxpartitionbytes":
			o.MaxSplitBytes, err = strconv.ParseInt(v, 10, 64)
		case "mergeschema":
			// Compatible schemas are always merged.
		default:
			return o, fmt.Errorf("parquetio: unknown option %q", k)
		}
		if err != nil {
			return o, fmt.Errorf("parquetio: option %s=%q: %w", k, v, err)
		}
	}
	return o, nil
}

func (o Options) codec() (compress.Compression, error) {
	switch o.Compression {
	case "", "snappy":
		return compress.Codecs.Snappy, nil
	case "zstd":
		return compress.Codecs.Zstd, nil
	case "gzip":
		return compress.Codecs.Gzip, nil
	case "brotli":
		return compress.Codecs.Brotli, nil
	case "lz4", "lz4_raw":
		return compress.Codecs.Lz4Raw, nil
	case "none", "uncompressed":
		return compress.Codecs.Uncompressed, nil
	}
	return 0, fmt.Errorf("unknown compression %q", o.Compression)
}
