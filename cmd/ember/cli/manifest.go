package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/storage"
)

// ManifestOptions say how Manifest lays out the Indexed Job of a plan.
type ManifestOptions struct {
	// Name names the Job (and the ConfigMap, Name-plan): a DNS label of
	// at most 52 characters (Kubernetes' limit for an Indexed Job's pods).
	Name      string
	Namespace string // optional
	Image     string // an image whose PATH holds ember
	// Shares is the number of shares: the Job's completions and
	// parallelism, and the --count of each pod.
	Shares int
	// PlanURL, when set, is where the pods read the plan (s3://, gs://,
	// https://…, which the plan must have been saved to); otherwise the
	// plan travels in a ConfigMap mounted at /plan.
	PlanURL string
	// BackoffLimitPerIndex is how often a failed index is retried (0: never;
	// the command line's default is 3).
	BackoffLimitPerIndex int
	// EnvSecret, when set, names a Secret whose keys become the
	// container's environment (AWS_ACCESS_KEY_ID, …).
	EnvSecret string
}

// dnsLabel is what a Kubernetes object name may be.
var dnsLabel = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

func init() { register(newK8sCommand) }

// newK8sCommand is `ember k8s manifest PLAN`: the Kubernetes Indexed Job
// that runs a saved plan.
func newK8sCommand(e *env) *cobra.Command {
	k8s := &cobra.Command{
		Use:   "k8s",
		Short: "Kubernetes: print the Indexed Job that runs a saved plan",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return usagef("k8s: want \"k8s manifest\" (see ember k8s --help)")
		},
	}
	var o ManifestOptions
	manifest := &cobra.Command{
		Use:   "manifest PLAN",
		Short: "Print the Indexed Job (and a ConfigMap holding the plan) as YAML",
		Long: `Print a ConfigMap holding the plan (unless --plan-url says where pods read it)
and a batch/v1 Indexed Job whose pods run ember run PLAN --index I --count N.
The Job does not commit: run ember commit PLAN once it is Complete.`,
		Example: `  ember k8s manifest plan.json --image registry/ember:1 --parallelism 8 | kubectl apply -f -`,
		Args:    exactArgs(1, "one PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return manifestCommand(e.ctx, args[0], o, e.stdout)
		},
	}
	f := manifest.Flags()
	f.StringVar(&o.Image, "image", "", "the container image (with ember on its PATH)")
	f.IntVar(&o.Shares, "parallelism", 0, "the number of shares: the Job's completions and parallelism")
	f.StringVar(&o.Name, "name", "", "the Job's name (default ember-<job id prefix>)")
	f.StringVar(&o.Namespace, "namespace", "", "the namespace")
	f.StringVar(&o.PlanURL, "plan-url", "", "read the plan from this URL in the pods instead of a ConfigMap")
	f.IntVar(&o.BackoffLimitPerIndex, "backoff-limit-per-index", 3, "retries of each index")
	f.StringVar(&o.EnvSecret, "env-secret", "", "a Secret whose keys become the container's environment")
	k8s.AddCommand(manifest)
	return k8s
}

func manifestCommand(ctx context.Context, planPath string, o ManifestOptions, stdout io.Writer) error {
	data, err := storage.ReadFile(ctx, planPath)
	if err != nil {
		return usageError{err}
	}
	p, err := frame.DecodePlan(data)
	if err != nil {
		return usageError{fmt.Errorf("plan %s: %w", planPath, err)}
	}
	// Refuse at once what the pods would refuse: a plan with exchanges.
	if err := checkMapOnly(p); err != nil {
		return err
	}
	if o.Name == "" {
		id := strings.ToLower(strings.ReplaceAll(p.Job, "-", ""))
		o.Name = "ember-" + id[:min(8, len(id))]
	}
	out, err := Manifest(p.Job, data, o)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, out)
	return err
}

// checkMapOnly refuses a plan with exchanges, as its shares would.
func checkMapOnly(p *frame.SavedPlan) error {
	if _, err := exec.ShareTasks(exec.Config{Parallelism: p.Settings.Parallelism}, p.Write()); err != nil {
		return usageError{err}
	}
	return nil
}

// Manifest renders the Kubernetes objects that run a saved plan (its job
// id and file content) as an Indexed Job, as YAML: a ConfigMap holding
// the plan (unless o.PlanURL is set), then a batch/v1 Job with
// completionMode Indexed, o.Shares completions run o.Shares at a time,
// each pod running
//
//	ember run PLAN --index $(JOB_COMPLETION_INDEX) --count N
//
// with restartPolicy Never, backoffLimitPerIndex retries of each index,
// and a pod failure policy that fails the Job at once on exit code 2 (a
// plan that cannot run: retrying cannot help). The Job does not commit:
// the finishing step `ember commit PLAN` runs once the Job is Complete.
func Manifest(job string, plan []byte, o ManifestOptions) (string, error) {
	switch {
	case !dnsLabel.MatchString(o.Name) || len(o.Name) > 52:
		return "", usagef("k8s manifest: --name %q: want a DNS label (a-z, 0-9, '-') of at most 52 characters", o.Name)
	case o.Namespace != "" && !dnsLabel.MatchString(o.Namespace):
		return "", usagef("k8s manifest: --namespace %q: want a DNS label", o.Namespace)
	case o.Image == "":
		return "", usagef("k8s manifest: --image is required")
	case o.Shares <= 0:
		return "", usagef("k8s manifest: --parallelism %d: want at least 1", o.Shares)
	case o.BackoffLimitPerIndex < 0:
		return "", usagef("k8s manifest: --backoff-limit-per-index %d: want at least 0", o.BackoffLimitPerIndex)
	}
	var b strings.Builder
	q := func(s string) string { // a JSON string is a YAML double-quoted scalar
		out, _ := json.Marshal(s)
		return string(out)
	}
	meta := func(name string) {
		fmt.Fprintf(&b, "metadata:\n  name: %s\n", q(name))
		if o.Namespace != "" {
			fmt.Fprintf(&b, "  namespace: %s\n", q(o.Namespace))
		}
		fmt.Fprintf(&b, "  labels:\n    app.kubernetes.io/name: ember\n    app.kubernetes.io/instance: %s\n    ember.dev/job: %s\n", q(o.Name), q(job))
	}
	planPath := o.PlanURL
	if planPath == "" {
		planPath = "/plan/plan.json"
		b.WriteString("apiVersion: v1\nkind: ConfigMap\n")
		meta(o.Name + "-plan")
		b.WriteString("data:\n  plan.json: |\n")
		for _, line := range strings.Split(strings.TrimRight(string(plan), "\n"), "\n") {
			b.WriteString("    " + line + "\n")
		}
		b.WriteString("---\n")
	}
	b.WriteString("apiVersion: batch/v1\nkind: Job\n")
	meta(o.Name)
	fmt.Fprintf(&b, `spec:
  completionMode: Indexed
  completions: %d
  parallelism: %d
  backoffLimitPerIndex: %d
  maxFailedIndexes: 0
  podFailurePolicy:
    rules:
    - action: FailJob
      onExitCodes:
        containerName: ember
        operator: In
        values: [%d]
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ember
        app.kubernetes.io/instance: %s
    spec:
      restartPolicy: Never
      containers:
      - name: ember
        image: %s
        command: ["ember"]
        args: ["run", %s, "--index", "$(JOB_COMPLETION_INDEX)", "--count", "%d"]
        terminationMessagePolicy: FallbackToLogsOnError
        env:
        - name: JOB_COMPLETION_INDEX
          valueFrom:
            fieldRef:
              fieldPath: metadata.annotations['batch.kubernetes.io/job-completion-index']
`, o.Shares, o.Shares, o.BackoffLimitPerIndex, ExitUsage, q(o.Name), q(o.Image), q(planPath), o.Shares)
	if o.EnvSecret != "" {
		fmt.Fprintf(&b, "        envFrom:\n        - secretRef:\n            name: %s\n", q(o.EnvSecret))
	}
	if o.PlanURL == "" {
		fmt.Fprintf(&b, `        volumeMounts:
        - name: plan
          mountPath: /plan
          readOnly: true
      volumes:
      - name: plan
        configMap:
          name: %s
`, q(o.Name+"-plan"))
	}
	return b.String(), nil
}
