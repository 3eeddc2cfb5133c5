package harness

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ModulePath is the module the harness must run in; contenders are located
// relative to its root directory.
const ModulePath = "github.com/ember-df/ember"

// Config holds the settings every side-by-side command takes.
type Config struct {
	Rows    int           // rows in the generated input
	Runs    int           // measured runs per contender
	Warmup  int           // unmeasured runs per contender before those
	Dir     string        // work directory; "" means a temporary one
	Keep    bool          // keep a temporary work directory
	Only    []string      // contenders to run, in report order
	Seed    uint64        // seed of the input generator
	Timeout time.Duration // limit on one run
	Procs   int           // GOMAXPROCS of the Go contenders; 0 leaves it unset
}

// ParseFlags parses the command line of command name, whose contenders are
// names in report order, over defaults (Rows and Procs are used; the
// others have fixed defaults). more, if not nil, registers the command's
// own flags on the same flag set.
func ParseFlags(name string, args, names []string, defaults Config, more func(*flag.FlagSet)) (Config, error) {
	cfg := defaults
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.IntVar(&cfg.Rows, "rows", defaults.Rows, "rows in the generated input")
	fs.IntVar(&cfg.Runs, "runs", 5, "measured runs per contender")
	fs.IntVar(&cfg.Warmup, "warmup", 0, "unmeasured warm-up runs per contender before the measured ones")
	fs.StringVar(&cfg.Dir, "dir", "", "work directory for input, binaries and outputs (default: a new temporary directory, removed afterwards)")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the temporary work directory (ignored with -dir, which is always kept)")
	only := fs.String("only", "", "comma-separated contenders to run, from "+strings.Join(names, ",")+" (default: all)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "seed of the input generator")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Minute, "limit on one run; a run over it is killed and counted as failed")
	fs.IntVar(&cfg.Procs, "procs", defaults.Procs, "if > 0, set GOMAXPROCS to this for the Go contenders (DuckDB always uses 2 threads)")
	if more != nil {
		more(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go -C bench run ./cmd/%s [flags]\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	switch {
	case cfg.Rows < 1:
		return cfg, errors.New("-rows must be at least 1")
	case cfg.Runs < 1:
		return cfg, errors.New("-runs must be at least 1")
	case cfg.Warmup < 0:
		return cfg, errors.New("-warmup must not be negative")
	case cfg.Timeout <= 0:
		return cfg, errors.New("-timeout must be positive")
	}
	if *only == "" {
		cfg.Only = names
		return cfg, nil
	}
	for n := range strings.SplitSeq(*only, ",") {
		n = strings.TrimSpace(n)
		if !slices.Contains(names, n) {
			return cfg, fmt.Errorf("-only: unknown contender %q (have %s)", n, strings.Join(names, ","))
		}
		if !slices.Contains(cfg.Only, n) {
			cfg.Only = append(cfg.Only, n)
		}
	}
	// Keep report order independent of the order given.
	slices.SortFunc(cfg.Only, func(a, b string) int {
		return slices.Index(names, a) - slices.Index(names, b)
	})
	return cfg, nil
}

// GoEnv returns the environment the Go contenders run with.
func (cfg Config) GoEnv() []string {
	if cfg.Procs > 0 {
		return []string{"GOMAXPROCS=" + strconv.Itoa(cfg.Procs)}
	}
	return nil
}

// WorkDir returns the absolute work directory of cfg, creating it (a new
// temporary one when cfg.Dir is empty), and a function that removes it
// unless it is to be kept.
func WorkDir(cfg Config, log Log) (dir string, cleanup func(), err error) {
	if cfg.Dir == "" {
		if dir, err = os.MkdirTemp("", "ember-bench-*"); err != nil {
			return "", nil, err
		}
		if cfg.Keep {
			log.Printf("work directory %s (kept)", dir)
			return dir, func() {}, nil
		}
		return dir, func() { os.RemoveAll(dir) }, nil
	}
	if dir, err = filepath.Abs(cfg.Dir); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	return dir, func() {}, nil
}

// ModuleRoot returns the root directory of the ember module containing the
// current directory.
func ModuleRoot() (string, error) {
	// From the bench module, ember is a replaced requirement whose Dir is
	// the checkout; from the checkout it is the main module.
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}}\t{{.Dir}}", ModulePath).Output()
	if err != nil {
		return "", fmt.Errorf("locating the ember module with 'go list -m' (run from inside the ember checkout): %w%s", err, stderrOf(err))
	}
	for line := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if path, dir, ok := strings.Cut(line, "\t"); ok && path == ModulePath {
			return dir, nil
		}
	}
	return "", fmt.Errorf("the current directory is not inside module %s; run from the ember checkout", ModulePath)
}

// GoVersion returns the Go toolchain version that builds the contenders.
func GoVersion(root string) string {
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return "go ?"
	}
	return strings.TrimSpace(string(out))
}

// ModuleVersion returns the version of module path selected by the bench
// module's go.mod (root/bench), or "?" if it cannot be determined.
func ModuleVersion(root, path string) string {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}}", path)
	cmd.Dir = filepath.Join(root, "bench")
	out, err := cmd.Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}

// BuildGo builds bench/cmd/<prog> (of the bench module) into dir/bin and
// returns the binary's path, or why it could not be built.
func BuildGo(root, dir, prog string, log Log) (bin, broken string) {
	return buildIn(filepath.Join(root, "bench"), dir, "./cmd/"+prog, prog, log)
}

// BuildPackage builds the ember module's package pkg (a path like
// ./examples/plugins/iris) as dir/bin/name, as BuildGo does.
func BuildPackage(root, dir, pkg, name string, log Log) (bin, broken string) {
	return buildIn(root, dir, pkg, name, log)
}

// buildIn builds package pkg of the module in moduleDir as dir/bin/name.
func buildIn(moduleDir, dir, pkg, name string, log Log) (bin, broken string) {
	root := moduleDir
	bin = filepath.Join(dir, "bin", name)
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	log.Printf("building %s", pkg)
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("go build %s failed (%v):\n%s", pkg, err, indent(firstLines(string(out), 12)))
	}
	return bin, ""
}

// DuckDB finds Node.js and the DuckDB npm packages that bench/setup.sh
// installs into bench/duckdb/node_modules. It returns the node binary and a
// description for the report ("DuckDB v1.5.x via @duckdb/node-api … (node
// v20…), threads=2"), or, when they are missing or do not load, why the
// DuckDB contenders are skipped.
func DuckDB(root string) (node, about, skipped string) {
	const setupHint = "run `bash bench/setup.sh` to install them"
	pkgDir := filepath.Join(root, "bench", "duckdb")
	node, err := exec.LookPath("node")
	if err != nil {
		return "", "", "node (Node.js >= 20) is not on PATH"
	}
	apiPkg := filepath.Join(pkgDir, "node_modules", "@duckdb", "node-api", "package.json")
	raw, err := os.ReadFile(apiPkg)
	if err != nil {
		return "", "", "DuckDB's npm packages (bench/duckdb/node_modules) are not installed; " + setupHint
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(raw, &pkg); err != nil {
		return "", "", fmt.Sprintf("reading %s: %v; %s", apiPkg, err, setupHint)
	}

	// Load the package once: proves the native binding for this platform
	// is there, and gives the DuckDB library version for the report.
	probe := exec.Command(node, "--input-type=module", "-e",
		"import { version } from '@duckdb/node-api'; console.log(version());")
	probe.Dir = pkgDir
	out, err := probe.Output()
	if err != nil {
		return "", "", fmt.Sprintf("@duckdb/node-api does not load (%v%s); %s", err, stderrOf(err), setupHint)
	}
	nodeVersion, _ := exec.Command(node, "--version").Output()
	about = fmt.Sprintf("DuckDB %s via @duckdb/node-api %s (node %s), threads=2",
		strings.TrimSpace(string(out)), pkg.Version, strings.TrimSpace(string(nodeVersion)))
	return node, about, ""
}

// StartCPUProfile starts a CPU profile written to path, if path is set,
// and returns what stops it (and reports a failed write on stderr).
func StartCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "writing the CPU profile: %v\n", err)
		}
	}, nil
}
