package arrowipc

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// CheckStream checks an Arrow IPC stream held in memory before arrow-go
// decodes it: every message starts with the continuation marker, holds a
// schema, a dictionary or a record batch whose metadata CheckMessage
// accepts, and fits, body included, in the bytes that follow; the stream
// ends with the end-of-stream marker and nothing after it.
func CheckStream(b []byte) error {
	for len(b) > 0 {
		if len(b) < 8 || binary.LittleEndian.Uint32(b) != Continuation {
			return errors.New("a message does not start with the IPC continuation marker")
		}
		size := int(int32(binary.LittleEndian.Uint32(b[4:])))
		b = b[8:]
		if size == 0 { // end of stream
			if len(b) > 0 {
				return errors.New("bytes after the end of the stream")
			}
			return nil
		}
		if size < 0 || size > len(b) {
			return fmt.Errorf("message metadata of %d bytes, with %d left", size, len(b))
		}
		m, err := CheckMessage(b[:size])
		if err != nil {
			return err
		}
		switch m.Header {
		case HeaderSchema, HeaderDictionary, HeaderRecordBatch:
		default:
			return errors.New("a message that is neither a schema nor a batch")
		}
		if body := m.BodyLength; body < 0 || body > int64(len(b)-size) {
			return fmt.Errorf("message body of %d bytes, with %d left", body, len(b)-size)
		}
		b = b[size+int(m.BodyLength):]
	}
	return errors.New("the stream ends without its end marker")
}
