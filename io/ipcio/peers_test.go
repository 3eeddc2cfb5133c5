//go:build peers

package ipcio_test

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/ipcio"
)

// TestPeerArrowTesting reads every file of apache/arrow-testing's
// data/arrow-ipc-stream through ember's reader and arrow-go's, from a
// checkout named by EMBER_PEER_ARROW_TESTING (the repository's root). It is
// local-only (build tag peers): the files are not ours to commit.
//
// The integration gold files (integration/*/*.arrow_file and *.stream,
// written by Arrow C++, Java, Rust, Go, JS and C# at many versions) must
// read exactly as arrow-go reads them, or, where arrow-go cannot read one,
// give an error. The fuzzer's findings (clusterfuzz-*, crash-*) must give
// an error or agree with arrow-go, never crash: a panic fails the test,
// and a hang trips go test's -timeout naming the file's subtest.
//
//	EMBER_PEER_ARROW_TESTING=/tmp/peers/arrow-testing go test -tags peers -run TestPeerArrowTesting -v ./io/ipcio/
func TestPeerArrowTesting(t *testing.T) {
	root := os.Getenv("EMBER_PEER_ARROW_TESTING")
	if root == "" {
		t.Fatal("EMBER_PEER_ARROW_TESTING must name a checkout of apache/arrow-testing")
	}
	dir := filepath.Join(root, "data", "arrow-ipc-stream")
	gold, err := filepath.Glob(filepath.Join(dir, "integration", "*", "*"))
	if err != nil {
		t.Fatal(err)
	}
	fuzz, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var tally peerTally
	for _, path := range gold {
		var layout ipcio.Layout
		switch {
		case strings.HasSuffix(path, ".arrow_file"):
			layout = ipcio.LayoutFile
		case strings.HasSuffix(path, ".stream"):
			layout = ipcio.LayoutStream
		default:
			continue // the JSON the files were generated from
		}
		rel, _ := filepath.Rel(dir, path)
		t.Run(rel, func(t *testing.T) { tally.add("integration", rel, peerRead(t, path, layout, true)) })
	}
	for _, path := range fuzz {
		base := filepath.Base(path)
		if !strings.HasPrefix(base, "clusterfuzz-") && !strings.HasPrefix(base, "crash-") {
			continue
		}
		t.Run(base, func(t *testing.T) { tally.add("fuzz", base, peerRead(t, path, ipcio.LayoutAuto, false)) })
	}
	tally.report(t)
}

// peerOutcome is what reading one peer file gave.
type peerOutcome string

const (
	peerSame        peerOutcome = "read as arrow-go reads it"
	peerBothRefuse  peerOutcome = "refused, as arrow-go refuses it"
	peerRefused     peerOutcome = "refused with an error, arrow-go reads it"
	peerMismatch    peerOutcome = "read differently from arrow-go"
	peerEmberOnly   peerOutcome = "read, arrow-go refuses it"
	peerUnnamedFile peerOutcome = "refused with an error not naming the file"
)

// peerRead reads one file both ways and says how they compare; a
// mismatch, or a refusal of a gold file arrow-go reads, fails t.
func peerRead(t *testing.T, path string, layout ipcio.Layout, gold bool) peerOutcome {
	// arrow-go leaks what it allocated before it panics on corrupt
	// input: only its reading of the gold files is held to free all.
	var refMem memory.Allocator = memory.NewGoAllocator()
	if gold {
		refMem = checkedAllocator(t)
	}
	mem := checkedAllocator(t)
	want, refErr := readReference(refMem, path, layout)
	defer want.release()
	got, err := readEmber(mem, path, layout)
	defer got.release()
	switch {
	case err != nil && (!strings.HasPrefix(err.Error(), "ipcio: ") || !strings.Contains(err.Error(), path)):
		t.Errorf("error %q does not name the file", err)
		return peerUnnamedFile
	case err != nil && refErr != nil:
		t.Logf("refused: %v (arrow-go: %v)", err, refErr)
		return peerBothRefuse
	case err != nil:
		if gold {
			t.Errorf("arrow-go reads it, ember: %v", err)
		} else {
			t.Logf("arrow-go reads it, ember: %v", err)
		}
		return peerRefused
	case refErr != nil:
		t.Logf("ember reads it, arrow-go: %v", refErr)
		return peerEmberOnly
	}
	if err := compareReadings(want, got); err != nil {
		t.Errorf("%v", err)
		return peerMismatch
	}
	return peerSame
}

// peerTally counts the files of each group (integration, fuzz) by
// outcome.
type peerTally map[string]map[peerOutcome][]string

func (p *peerTally) add(group, name string, o peerOutcome) {
	if *p == nil {
		*p = peerTally{}
	}
	if (*p)[group] == nil {
		(*p)[group] = map[peerOutcome][]string{}
	}
	(*p)[group][o] = append((*p)[group][o], name)
}

// report logs the counts, and the files of outcomes other than agreeing.
func (p peerTally) report(t *testing.T) {
	groups := slices.Sorted(maps.Keys(p))
	for _, g := range groups {
		for _, o := range slices.Sorted(maps.Keys(p[g])) {
			names := p[g][o]
			t.Logf("%s: %4d %s", g, len(names), o)
			if o != peerSame && o != peerBothRefuse {
				for _, n := range names {
					t.Logf("\t%s", n)
				}
			}
		}
	}
}
