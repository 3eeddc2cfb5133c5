package onnx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	ort "github.com/yalue/onnxruntime_go"
)

// ErrNoRuntime is wrapped by the error returned when the ONNX Runtime
// library cannot be found or loaded.
var ErrNoRuntime = errors.New("onnx: ONNX Runtime library not found")

var (
	initOnce sync.Once
	initErr  error
	libPath  string
)

// standardDirs are where a system-wide ONNX Runtime usually lives.
var standardDirs = []string{"/usr/local/lib", "/usr/lib", "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu"}

// FindLibrary returns the path of the ONNX Runtime shared library, or an
// error wrapping ErrNoRuntime that says how to install it.
func FindLibrary() (string, error) {
	if p := os.Getenv("ONNXRUNTIME_LIB"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: ONNXRUNTIME_LIB=%s: %v", ErrNoRuntime, p, err)
		}
		return p, nil
	}
	for _, d := range standardDirs {
		for _, name := range []string{"libonnxruntime.so", "libonnxruntime.so.1"} {
			if p := filepath.Join(d, name); exists(p) {
				return p, nil
			}
		}
	}
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if p := filepath.Join(dir, "third_party", "onnxruntime", "lib", "libonnxruntime.so.1"); exists(p) {
				return p, nil
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	return "", fmt.Errorf("%w: set ONNXRUNTIME_LIB to libonnxruntime.so (1.24 or newer), or run scripts/install-onnxruntime.sh in the ember repository", ErrNoRuntime)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// initRuntime loads the library and creates ONNX Runtime's environment,
// once per process.
func initRuntime() error {
	initOnce.Do(func() {
		libPath, initErr = FindLibrary()
		if initErr != nil {
			return
		}
		ort.SetSharedLibraryPath(libPath)
		if err := ort.InitializeEnvironment(); err != nil {
			initErr = fmt.Errorf("%w: loading %s: %v", ErrNoRuntime, libPath, err)
		}
	})
	return initErr
}

// Version is the version of the loaded ONNX Runtime library.
func Version() (string, error) {
	if err := initRuntime(); err != nil {
		return "", err
	}
	return ort.GetVersion(), nil
}
