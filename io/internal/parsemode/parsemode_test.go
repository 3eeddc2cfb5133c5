package parsemode

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestParse(t *testing.T) {
	for v, want := range map[string]Mode{"permissive": Permissive, "DropMalformed": DropMalformed, "FAILFAST": FailFast} {
		if m, err := Parse(v); err != nil || m != want || !strings.EqualFold(m.String(), v) {
			t.Errorf("%s: %v, %v", v, m, err)
		}
	}
	if _, err := Parse("lenient"); err == nil {
		t.Error("lenient parsed")
	}
	if s := Mode(7).String(); s != "Mode(7)" {
		t.Errorf("String = %q", s)
	}
}

func TestCheckCorruptColumn(t *testing.T) {
	if err := CheckCorruptColumn(arrow.Field{Name: "c", Type: arrow.BinaryTypes.String}); err != nil {
		t.Fatal(err)
	}
	err := CheckCorruptColumn(arrow.Field{Name: "c", Type: arrow.PrimitiveTypes.Int64})
	if err == nil || !strings.Contains(err.Error(), `"c" must be a string, not int64`) {
		t.Fatalf("error %v", err)
	}
}

func TestMalformed(t *testing.T) {
	sentinel := errors.New("malformed X record")
	err := Malformed("xio", sentinel, "f.x:3", errors.New("2 fields, want 3"), []byte(strings.Repeat("é", 50)))
	want := `xio: malformed X record: f.x:3: 2 fields, want 3 (record "` + strings.Repeat("é", 40) + `…")`
	if !errors.Is(err, sentinel) || err.Error() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
	if got := Excerpt([]byte("short")); got != "short" {
		t.Fatalf("Excerpt = %q", got)
	}
}
