//go:build peers

package imageio

// Local-only conformance runs over peer corpora that no registry CI
// reaches serves, so CI never compiles this file. Run with
//
//	EMBER_PEER_JPEG_DECODER=/path/to/jpeg-decoder go test -tags peers -run Peer -v ./io/imageio
//
// where the directory holds image-rs/jpeg-decoder's tests/ folder.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func peerDir(t *testing.T) string {
	dir := os.Getenv("EMBER_PEER_JPEG_DECODER")
	if dir == "" {
		t.Fatal("EMBER_PEER_JPEG_DECODER is not set: point it at a checkout of image-rs/jpeg-decoder")
	}
	return dir
}

// TestPeerJPEGDecoderReftests: every JPEG of jpeg-decoder's
// tests/reftest/images against the PNG rendering beside it (ImageMagick's,
// libjpeg's decoding, or raw samples for lossless JPEGs of more than 8
// bits), except those jpeg-decoder itself disables. Lossless JPEGs must
// be exact; lossy ones within IDCT and upsampling rounding.
func TestPeerJPEGDecoderReftests(t *testing.T) {
	dir := filepath.Join(peerDir(t), "tests", "reftest", "images")
	disabled := map[string]bool{}
	if list, err := os.ReadFile(filepath.Join(dir, "disabled.list")); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(list))
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
				disabled[line] = true
			}
		}
	}
	var files []string
	err := filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".jpg") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no JPEGs under %s: %v", dir, err)
	}
	var passed, failed, skipped, noReference int
	var worstMax, sumMean float64
	for _, f := range files {
		rel, _ := filepath.Rel(dir, f)
		if disabled[filepath.ToSlash(rel)] {
			skipped++
			continue
		}
		refPath := strings.TrimSuffix(f, ".jpg") + ".png"
		if _, err := os.Stat(refPath); err != nil {
			noReference++
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := renderEmber(data)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			failed++
			continue
		}
		refImg := readImage(t, refPath)
		want := renderReference(refImg)
		lossless, precision := losslessPrecision(data)
		if _, ok := refImg.(*image.Gray16); ok && lossless && precision < 16 {
			// The rendering holds the raw samples in 16 bits.
			scale := 65535 / float64(int(1)<<precision-1)
			for i := range want.rgb {
				want.rgb[i] *= scale
			}
		}
		maxDiff, mean, err := diff(got, want)
		maxBound, meanBound := 8.0, 1.0
		if lossless {
			maxBound, meanBound = 0.5, 0.5 // the reference's rounding to 8 bits
		}
		if err != nil || maxDiff > maxBound || mean > meanBound {
			t.Errorf("%s: %v; max abs diff %.1f, mean %.3f; want at most %.1f and %.1f", rel, err, maxDiff, mean, maxBound, meanBound)
			failed++
			continue
		}
		t.Logf("%-45s max abs diff %5.1f, mean %.3f", rel, maxDiff, mean)
		worstMax = max(worstMax, maxDiff)
		sumMean += mean
		passed++
	}
	t.Logf("jpeg-decoder reftests: %d JPEGs, %d equal their reference (worst max abs diff %.1f, average mean %.3f), %d failed, %d disabled by jpeg-decoder, %d without a reference",
		len(files), passed, worstMax, sumMean/float64(max(passed, 1)), failed, skipped, noReference)
}

// losslessPrecision finds a JPEG's frame header: whether it is lossless
// (SOF3) and its sample precision.
func losslessPrecision(data []byte) (bool, int) {
	for i := 2; i+5 < len(data); {
		if data[i] != 0xff {
			return false, 8
		}
		marker := data[i+1]
		if marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc {
			return marker == 0xc3, int(data[i+4])
		}
		i += 2 + int(data[i+2])<<8 | int(data[i+3])
	}
	return false, 8
}

// TestPeerJPEGDecoderCrashtests: jpeg-decoder's crash tests, corrupt and
// hostile JPEGs, each decoded with the bomb limit on: an error or an
// image, never a panic or a hang. The counts are logged.
func TestPeerJPEGDecoderCrashtests(t *testing.T) {
	dir := filepath.Join(peerDir(t), "tests", "crashtest", "images")
	var files []string
	err := filepath.WalkDir(dir, func(path string, _ os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".jpg") {
			files = append(files, path)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("no JPEGs under %s: %v", dir, err)
	}
	var decoded, refused, tooLarge int
	kinds := map[string]int{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: panic: %v", filepath.Base(f), p)
				}
			}()
			_, _, err := decode(data, decodeOptions{})
			switch {
			case err == nil:
				decoded++
			case errors.Is(err, ErrTooLarge):
				tooLarge++
			default:
				refused++
				msg := err.Error()
				if i := strings.Index(msg, ": "); i >= 0 {
					if j := strings.Index(msg[i+2:], ": "); j >= 0 {
						msg = msg[:i+2+j]
					}
				}
				kinds[msg]++
			}
		}()
	}
	t.Logf("jpeg-decoder crash tests: %d JPEGs, none panicked: %d refused with an error, %d refused as too large, %d decoded", len(files), refused, tooLarge, decoded)
	t.Logf("errors by kind: %v", fmt.Sprint(kinds))
}
