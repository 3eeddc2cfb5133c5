package cli

import "testing"

func TestFormatOfName(t *testing.T) {
	for name, want := range map[string]string{
		"data.csv": "csv", "logs/a.csv.gz": "csv", "A.CSV.ZST": "csv", "x.tsv": "tsv", "x.tab.bz2": "tsv",
		"p.json": "json", "p.jsonl": "json", "p.ndjson.gz": "json",
		"d.parquet": "parquet", "d.pq": "parquet", "out.parquet/": "parquet",
		"t.arrow": "arrow", "t.ipc": "arrow", "t.feather": "arrow", "t.arrows": "arrow",
		"a.jpg": "images", "a.JPEG": "images", "a.png": "images", "a.gif": "images", "a.webp": "images",
		"s3://b/k/x.parquet": "parquet", "logs/*.csv.gz": "csv",
		"README": "", "notes.md": "", "x.gz": "", "dir/": "", "x.xml": "",
	} {
		if got := formatOfName(name); got != want {
			t.Errorf("formatOfName(%q) = %q, want %q", name, got, want)
		}
	}
}
