package storage_test

import (
	"bytes"
	"io"
	"testing"

	"github.com/ember-df/ember/storage"
)

// FuzzCodecReader feeds arbitrary bytes to every codec's reader: each
// must return data or an error, never panic or hang.
func FuzzCodecReader(f *testing.F) {
	for _, name := range codecNames {
		c, _ := storage.CodecByName(name)
		var buf bytes.Buffer
		w, _ := c.NewWriter(&buf)
		w.Write(text(5000))
		w.Close()
		f.Add(buf.Bytes())
	}
	f.Add(hadoopBlock(3, []byte{3, 8, 'a', 'b', 'c'}))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, name := range codecNames {
			c, _ := storage.CodecByName(name)
			r, err := c.NewReader(bytes.NewReader(data))
			if err != nil {
				continue
			}
			io.Copy(io.Discard, io.LimitReader(r, 1<<20))
			r.Close()
		}
	})
}
