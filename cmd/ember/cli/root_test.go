package cli

import (
	"context"
	"errors"
	"flag"
	"strings"
	"testing"

	"github.com/ember-df/ember/exec"
)

// TestRunnerFlags: a runner of WithRunner declares its flags on a
// flag.FlagSet, and `ember run` parses them with its own.
func TestRunnerFlags(t *testing.T) {
	var endpoint string
	opt := WithRunner("test", func(fs *flag.FlagSet) func() (exec.Runner, error) {
		fs.StringVar(&endpoint, "endpoint", "", "the test runner's endpoint")
		return func() (exec.Runner, error) { return nil, errors.New("no runner at " + endpoint) }
	})
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"run", "plan.json", "--runner", "test", "--endpoint", "host:1"}, ExitUsage, "ember: run: --runner test: no runner at host:1\n"},
		{[]string{"run", "--endpoint=host:2", "--runner=test", "plan.json"}, ExitUsage, "ember: run: --runner test: no runner at host:2\n"},
		{[]string{"run", "plan.json", "--runner", "spark"}, ExitUsage, "ember: run: --runner spark: this build of ember has local, test\n"},
		{[]string{"run", "plan.json", "--runner", "test", "--index", "0", "--count", "2"}, ExitUsage, "ember: run: --index/--count run a share in this process with the local runner; --runner test runs the whole job\n"},
		{[]string{"run", "plan.json", "--port", "1"}, ExitUsage, "ember: run: unknown flag: --port\n"},
	} {
		var stdout, stderr strings.Builder
		endpoint = ""
		code := Main(context.Background(), tc.args, &stdout, &stderr, opt)
		if code != tc.code || stderr.String() != tc.stderr || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit %d, stderr %q", tc.args, code, stderr.String(), stdout.String(), tc.code, tc.stderr)
		}
	}
	var stdout strings.Builder
	if code := Main(context.Background(), []string{"run", "--help"}, &stdout, &strings.Builder{}, opt); code != ExitOK || !strings.Contains(stdout.String(), "--endpoint string") {
		t.Errorf("run --help: exit %d, stdout %q: want the runner's flags listed", code, stdout.String())
	}
}
