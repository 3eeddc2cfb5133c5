package ipcio

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/ipc"
)

// Layout is how Arrow IPC data is framed in a file.
type Layout string

// The layouts. Arrow calls LayoutFile the IPC file format (random access,
// often named .arrow or .feather) and LayoutStream the IPC streaming format
// (.arrows).
const (
	// LayoutFile is the random-access file format: the ARROW1 magic, the
	// schema, the batches, and a footer locating every batch.
	LayoutFile Layout = "file"
	// LayoutStream is the streaming format: the schema and the batches as
	// a sequence of messages, with no footer.
	LayoutStream Layout = "stream"
	// LayoutAuto reads each file as a file or a stream, by whether it
	// starts with the ARROW1 magic. Writing with it writes files.
	LayoutAuto Layout = "auto"
)

// Compression is the codec that writing applies to the buffers of every
// batch. Reading decompresses whatever the file says it used.
type Compression string

// The codecs of the Arrow IPC format.
const (
	Uncompressed Compression = "none"
	LZ4          Compression = "lz4" // LZ4 frame format
	Zstd         Compression = "zstd"
)

// Options configure reading and writing.
type Options struct {
	// Layout is the framing of the files read or written; empty means
	// LayoutFile.
	Layout Layout `json:"layout,omitempty"`
	// Compression is the codec writing uses; empty means Uncompressed.
	Compression Compression `json:"compression,omitempty"`
	// Partitions is the parallelism the reader splits files for: the
	// batches of an IPC file are grouped into partitions of about the
	// total size of all files divided by Partitions. Less than one means
	// one.
	Partitions int `json:"partitions,omitempty"`
}

// DefaultOptions are the options ParseOptions starts from: IPC files,
// uncompressed, one partition per file.
func DefaultOptions() Options {
	return Options{Layout: LayoutFile, Compression: Uncompressed, Partitions: 1}
}

// ParseOptions reads string options (keys case-insensitive) over
// DefaultOptions: format = file | stream | auto, compression = none | lz4
// | zstd. An unknown option or a bad value is an error.
func ParseOptions(kv map[string]string) (Options, error) {
	o := DefaultOptions()
	for k, v := range kv {
		switch strings.ToLower(k) {
		case "format":
			o.Layout = Layout(strings.ToLower(v))
		case "compression":
			switch c := strings.ToLower(v); c {
			case "uncompressed", "":
				o.Compression = Uncompressed
			case "lz4_frame":
				o.Compression = LZ4
			default:
				o.Compression = Compression(c)
			}
		default:
			return o, fmt.Errorf("ipcio: unknown option %q", k)
		}
	}
	return o, o.check()
}

// check rejects layouts and codecs it does not know.
func (o Options) check() error {
	switch o.Layout {
	case "", LayoutFile, LayoutStream, LayoutAuto:
	default:
		return fmt.Errorf("ipcio: option format=%q: want file, stream or auto", string(o.Layout))
	}
	switch o.Compression {
	case "", Uncompressed, LZ4, Zstd:
	default:
		return fmt.Errorf("ipcio: option compression=%q: want none, lz4 or zstd", string(o.Compression))
	}
	return nil
}

// layout is Layout with the empty default resolved.
func (o Options) layout() Layout {
	if o.Layout == "" {
		return LayoutFile
	}
	return o.Layout
}

// writeOptions are the arrow-go writer options for o's codec.
func (o Options) writeOptions() []ipc.Option {
	switch o.Compression {
	case LZ4:
		return []ipc.Option{ipc.WithLZ4()}
	case Zstd:
		return []ipc.Option{ipc.WithZstd()}
	}
	return nil
}
