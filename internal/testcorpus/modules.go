package testcorpus

// The corpora served by the Go module proxy, at the exact versions the
// tests read. Their licences: libjpeg-turbo's test images are under the
// IJG and BSD licences (testimages/LICENSE.txt); parquet-go's testdata
// holds files of apache/parquet-testing (Apache-2.0) and its own.
const (
	LibjpegTurbo        = "github.com/libjpeg-turbo/libjpeg-turbo"
	LibjpegTurboVersion = "v0.0.0-20260825202127-5b34e095e3ab"

	ParquetGo        = "github.com/parquet-go/parquet-go"
	ParquetGoVersion = "v0.32.1"

	// ArrowGo is the Arrow Go implementation (Apache-2.0): ember's Arrow
	// library, whose module carries the IPC files its own tests read
	// (arrow/ipc/testdata).
	ArrowGo        = "github.com/apache/arrow-go/v18"
	ArrowGoVersion = "v18.8.0"
)
