package hivepath

import (
	"reflect"
	"testing"
)

func TestEscapeRoundTrip(t *testing.T) {
	for _, v := range []string{"plain", "a/b=c%", "x:y?z#", "\x01\x7f", "[]{}^*'\"\\", "é ü", ""} {
		got, err := Unescape(Escape(v))
		if err != nil || got != v {
			t.Errorf("%q: escaped %q, back %q, %v", v, Escape(v), got, err)
		}
	}
	if got := Escape("a/b=c%"); got != "a%2Fb%3Dc%25" {
		t.Errorf("Escape = %q", got)
	}
}

func TestDir(t *testing.T) {
	got := Dir([]string{"year", "a/b"}, []string{"2024", ""})
	if want := "year=2024/a%2Fb=" + DefaultPartition; got != want {
		t.Fatalf("Dir = %q, want %q", got, want)
	}
}

func TestParseDir(t *testing.T) {
	for _, c := range []struct {
		rel           string
		names, values []string
		err           bool
	}{
		{rel: "."},
		{rel: "plain/x=1"},
		{rel: "=1"},
		{rel: "year=2024/tag=a%2Fb%3Dc%25", names: []string{"year", "tag"}, values: []string{"2024", "a/b=c%"}},
		{rel: "v=" + DefaultPartition, names: []string{"v"}, values: []string{DefaultPartition}},
		{rel: "v=", names: []string{"v"}, values: []string{""}},
		{rel: "v=%zz", err: true},
	} {
		names, values, err := ParseDir(c.rel)
		if (err != nil) != c.err || !reflect.DeepEqual(names, c.names) || !reflect.DeepEqual(values, c.values) {
			t.Errorf("%q: %q %q %v", c.rel, names, values, err)
		}
	}
	names := []string{"y", "c=1"}
	values := []string{"a b/c", "2"}
	gotNames, gotValues, err := ParseDir(Dir(names, values))
	if err != nil || !reflect.DeepEqual(gotNames, names) || !reflect.DeepEqual(gotValues, values) {
		t.Fatalf("round trip: %q %q %v", gotNames, gotValues, err)
	}
}
