package frame_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ember-df/ember/frame"
)

type address struct {
	City string
	Zip  *string `ember:"zip"`
}

type Audit struct {
	CreatedBy string `ember:"created_by"`
}

type produto struct {
	ID        int64     `ember:"id"`
	Descricao string    `ember:"descricao"`
	Preco     *float64  `ember:"preco"`
	Tags      []string  `ember:"tags"`
	Vendido   time.Time `ember:"vendido"`
	Ativo     bool
	Attrs     map[string]int32 `ember:"attrs"`
	Addr      address          `ember:"addr"`
	Blob      []byte           `ember:"blob"`
	Wait      time.Duration    `ember:"wait"`
	Skip      string           `ember:"-"`
	hidden    int
	Audit
}

func TestCreateDataFrameFromStructs(t *testing.T) {
	ctx := context.Background()
	sess := checkedSession(t, frame.WithParallelism(2), frame.WithBatchSize(2, 0))
	price, zip := 9.5, "01000"
	when := time.Date(2024, 3, 1, 12, 30, 0, 123456000, time.FixedZone("BRT", -3*3600))
	rows := []produto{
		{ID: 1, Descricao: "café", Preco: &price, Tags: []string{"a", "b"}, Vendido: when, Ativo: true,
			Attrs: map[string]int32{"z": 1, "a": 2}, Addr: address{"Recife", &zip}, Blob: []byte{1}, Wait: time.Second, Skip: "x", hidden: 1, Audit: Audit{"ana"}},
		{ID: 2, Descricao: "pão"},
		{ID: 3, Descricao: "leite", Tags: []string{}},
	}
	df := sess.CreateDataFrame(rows)
	if err := df.Err(); err != nil {
		t.Fatal(err)
	}
	wantSchema := "id: type=int64\n" +
		"descricao: type=utf8\n" +
		"preco: type=float64, nullable\n" +
		"tags: type=list<element: utf8>, nullable\n" +
		"vendido: type=timestamp[us, tz=UTC]\n" +
		"Ativo: type=bool\n" +
		"attrs: type=map<utf8, int32, items_non_nullable>, nullable\n" +
		"addr: type=struct<City: utf8, zip: utf8 nullable>\n" +
		"blob: type=binary, nullable\n" +
		"wait: type=duration[ns]\n" +
		"created_by: type=utf8"
	var fields []string
	for _, f := range df.Schema().Fields() {
		s := f.Name + ": type=" + f.Type.String()
		if f.Nullable {
			s += ", nullable"
		}
		fields = append(fields, s)
	}
	if got := strings.Join(fields, "\n"); got != wantSchema {
		t.Fatalf("schema\n%s\nwant\n%s", got, wantSchema)
	}
	got := collectRows(t, df)
	want := []string{
		`1|café|9.5|["a","b"]|2024-03-01 15:30:00.123456|true|[{"key":"a","value":2},{"key":"z","value":1}]|{"City":"Recife","zip":"01000"}|AQ==|1000000000ns|ana`,
		`2|pão|NULL|NULL|0001-01-01 00:00:00|false|NULL|{"City":"","zip":null}|NULL|0ns|`,
		`3|leite|NULL|[]|0001-01-01 00:00:00|false|NULL|{"City":"","zip":null}|NULL|0ns|`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("rows:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	first, err := df.First(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if tm, err := first.GetTime("vendido"); err != nil || !tm.Equal(when) {
		t.Fatalf("vendido = %v, %v; want %v", tm, err, when)
	}
	if a := first.Get("attrs").(map[any]any); a["a"] != int32(2) || a["z"] != int32(1) {
		t.Fatalf("attrs = %v", a)
	}
	if addr := first.Get("addr").(map[string]any); addr["zip"] != "01000" {
		t.Fatalf("addr = %v", addr)
	}
	if n, err := df.Count(ctx); n != 3 || err != nil {
		t.Fatalf("Count = %d, %v", n, err)
	}

	// Pointers to structs, and an empty slice, which still has a schema.
	ptrs := sess.CreateDataFrame([]*address{{City: "a"}, {City: "b", Zip: &zip}})
	if got := collectRows(t, ptrs); strings.Join(got, ";") != "a|NULL;b|01000" {
		t.Fatalf("pointers: %v", got)
	}
	empty := sess.CreateDataFrame([]address{})
	if n, err := empty.Count(ctx); n != 0 || err != nil || len(empty.Columns()) != 2 {
		t.Fatalf("empty: %d, %v, %v", n, err, empty.Columns())
	}
}

func TestCreateDataFrameErrors(t *testing.T) {
	sess := checkedSession(t)
	type bad struct{ C chan int }
	type twice struct {
		A int `ember:"x"`
		B int `ember:"x"`
	}
	type ptrKey struct{ M map[*int]int }
	for name, c := range map[string]struct {
		data any
		want string
	}{
		"scalar":      {42, "want an *arrow.Schema and batches, or a slice of structs; got int"},
		"ints":        {[]int{1}, "want a slice of structs or of pointers to structs; got []int"},
		"chan":        {[]bad{{}}, "bad.C: unsupported type chan int"},
		"twice":       {[]twice{{}}, `two fields are called "x"`},
		"nil element": {[]*address{nil}, "element 0 is nil"},
		"map key":     {[]ptrKey{{}}, "map keys cannot be NULL"},
		"no fields":   {[]struct{ a int }{{}}, "has no exported fields"},
	} {
		if err := sess.CreateDataFrame(c.data).Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
	if err := sess.CreateDataFrame([]address{{}}, nil).Err(); err == nil || !strings.Contains(err.Error(), "batches are given with a schema") {
		t.Errorf("structs with batches: %v", err)
	}
}
