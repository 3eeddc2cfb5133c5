package main

import (
	"slices"
	"testing"
)

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Rows != 2_000_000 || cfg.Procs != 2 || cfg.threshold != 500_000 || cfg.rowGroup != 0 ||
		!slices.Equal(cfg.selected, []string{"c0", "c2"}) || !slices.Equal(cfg.Only, contenderNames) {
		t.Fatalf("defaults: %+v", cfg)
	}
	cfg, err = parseFlags([]string{"-select", "c1, c19", "-threshold", "10", "-rowgroup", "1000", "-only", "duckdb,ember-scan"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.selected, []string{"c1", "c19"}) || cfg.threshold != 10 || cfg.rowGroup != 1000 ||
		!slices.Equal(cfg.Only, []string{"ember-scan", "duckdb"}) {
		t.Fatalf("flags: %+v", cfg)
	}
	for _, args := range [][]string{{"-select", "c20"}, {"-select", "c0,x"}, {"-rowgroup", "-1"}, {"-only", "spark"}} {
		if _, err := parseFlags(args); err == nil {
			t.Errorf("parseFlags(%q) succeeded", args)
		}
	}
}

func TestColumnsOf(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"ember-scan", "ember-agg", "duckdb"} {
		if got := columnsOf(name, cfg); !slices.Equal(got, []string{"c0", "c2"}) {
			t.Errorf("columnsOf(%s) = %v", name, got)
		}
	}
	for _, name := range []string{"ember-scan-all", "ember-agg-all", "duckdb-all"} {
		if got := columnsOf(name, cfg); len(got) != 20 || got[0] != "c0" || got[19] != "c19" {
			t.Errorf("columnsOf(%s) = %v", name, got)
		}
	}
}

func TestPrepare(t *testing.T) {
	cfg, err := parseFlags(nil)
	if err != nil {
		t.Fatal(err)
	}
	ember := &build{bin: "/bin/ember-scan"}
	for name, want := range map[string][]string{
		"ember-scan":     {"/bin/ember-scan", "in.parquet", "500000", "c0", "c2"},
		"ember-scan-all": {"/bin/ember-scan", "in.parquet", "500000"},
		"ember-agg":      {"/bin/ember-scan", "-agg", "in.parquet", "500000", "c0", "c2"},
		"ember-agg-all":  {"/bin/ember-scan", "-agg", "in.parquet", "500000"},
	} {
		if c := prepare(name, cfg, t.TempDir(), "in.parquet", ember); !slices.Equal(c.Argv, want) {
			t.Errorf("%s: argv %q, want %q", name, c.Argv, want)
		}
	}
	if got := sumsOf([]string{"c0", "c2"}, "sum(%s)", "sum(strlen(%s))"); got != "sum(c0), sum(strlen(c2))" {
		t.Errorf("sumsOf = %q", got)
	}
}
