package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/frame/frametest"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// component is a Kubeflow Pipelines (v1) component specification, as far
// as these components use it; decoding is strict, so a misspelt or
// misplaced key fails.
type component struct {
	Name           string            `json:"name"`
	Description    string            `json:"description"`
	Inputs         []componentIO     `json:"inputs"`
	Outputs        []componentIO     `json:"outputs"`
	Metadata       map[string]any    `json:"metadata"`
	Implementation componentImplSpec `json:"implementation"`
}

type componentIO struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Default     string `json:"default,omitempty"`
	Description string `json:"description,omitempty"`
}

type componentImplSpec struct {
	Container struct {
		Image   string `json:"image"`
		Command []any  `json:"command"`
	} `json:"container"`
}

// readComponent decodes a component file strictly and checks that every
// placeholder names an input or output of the right kind.
func readComponent(t *testing.T, file string) component {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var c component
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	names := func(ios []componentIO) []string {
		var out []string
		for _, io := range ios {
			out = append(out, io.Name)
		}
		return out
	}
	if c.Name == "" || c.Implementation.Container.Image == "" || len(c.Implementation.Container.Command) == 0 {
		t.Fatalf("%s: incomplete: %+v", file, c)
	}
	for _, arg := range c.Implementation.Container.Command {
		switch a := arg.(type) {
		case string:
		case map[string]any:
			if len(a) != 1 {
				t.Errorf("%s: placeholder %v", file, a)
			}
			for kind, name := range a {
				var declared []string
				switch kind {
				case "inputValue", "inputPath":
					declared = names(c.Inputs)
				case "outputPath":
					declared = names(c.Outputs)
				default:
					t.Errorf("%s: unknown placeholder %s", file, kind)
				}
				if s, ok := name.(string); !ok || !slices.Contains(declared, s) {
					t.Errorf("%s: %s %v is not declared", file, kind, name)
				}
			}
		default:
			t.Errorf("%s: command item %v (%T)", file, arg, arg)
		}
	}
	return c
}

// TestComponents decodes the pipeline's components strictly.
func TestComponents(t *testing.T) {
	for _, f := range []string{"component-apply.yaml", "component-wait.yaml", "component-commit.yaml"} {
		readComponent(t, f)
	}
	if py, err := exec.LookPath("python3"); err == nil {
		if out, err := exec.Command(py, "-c", "import ast,sys; ast.parse(open('pipeline.py').read())").CombinedOutput(); err != nil {
			t.Errorf("pipeline.py: %v\n%s", err, out)
		}
	}
}

// emberBinary builds cmd/ember into dir.
func emberBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "ember")
	build := exec.Command("go", "build", "-o", bin, "github.com/ember-df/ember/cmd/ember")
	build.Dir = filepath.Join("..", "..", "cmd")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// decodeManifest splits `ember k8s manifest` output into its documents
// and decodes each strictly into the Kubernetes API type of its kind.
func decodeManifest(t *testing.T, out string) (*corev1.ConfigMap, *batchv1.Job) {
	t.Helper()
	var cm *corev1.ConfigMap
	var job *batchv1.Job
	for _, doc := range strings.Split(out, "\n---\n") {
		var head struct{ Kind string }
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatal(err)
		}
		switch head.Kind {
		case "ConfigMap":
			cm = &corev1.ConfigMap{}
			if err := yaml.UnmarshalStrict([]byte(doc), cm); err != nil {
				t.Fatalf("ConfigMap: %v\n%s", err, doc)
			}
		case "Job":
			job = &batchv1.Job{}
			if err := yaml.UnmarshalStrict([]byte(doc), job); err != nil {
				t.Fatalf("Job: %v\n%s", err, doc)
			}
		default:
			t.Fatalf("unexpected document of kind %q", head.Kind)
		}
	}
	if job == nil {
		t.Fatal("no Job")
	}
	return cm, job
}

// TestIndexedJob saves the seed's scoring job, lays it out with
// `ember k8s manifest` (decoded strictly into the Kubernetes types), runs
// each pod's container command here — the ConfigMap's plan at the
// container's mount path, $(JOB_COMPLETION_INDEX) expanded as the kubelet
// does — then the commit component's command: the output equals the local
// runner's.
func TestIndexedJob(t *testing.T) {
	onnxtest.RequireRuntime(t)
	dir := t.TempDir()
	bin := emberBinary(t, filepath.Join(dir, "bin"))
	iris, err := filepath.Abs(filepath.Join("..", "iris"))
	if err != nil {
		t.Fatal(err)
	}
	// Four copies of the flowers: a few partitions to share out.
	for i := range 4 {
		data, err := os.ReadFile(filepath.Join(iris, "iris.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(dir, "in"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "in", fmt.Sprintf("iris-%d.csv", i)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	model := filepath.Join(iris, "iris_random_forest.onnx")
	plan, local := filepath.Join(dir, "plan.json"), filepath.Join(dir, "local-plan.json")
	out := filepath.Join(dir, "scored")
	if err := savePlan(ctx, filepath.Join(dir, "in"), model, plan, out); err != nil {
		t.Fatal(err)
	}
	if err := savePlan(ctx, filepath.Join(dir, "in"), model, local, filepath.Join(dir, "local")); err != nil {
		t.Fatal(err)
	}
	// run runs a command line as a container would: "ember" is the one
	// on the image's PATH.
	run := func(env []string, args ...string) {
		t.Helper()
		if args[0] == "ember" {
			args[0] = bin
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, stderr.String())
		}
	}
	run(nil, bin, "run", local)

	const shares = 3
	manifest, err := exec.Command(bin, "k8s", "manifest", plan, "--image", "ghcr.io/ember-df/ember:latest",
		"--parallelism", fmt.Sprint(shares), "--namespace", "ml").Output()
	if err != nil {
		t.Fatal(err)
	}
	cm, job := decodeManifest(t, string(manifest))
	spec := job.Spec
	pod := spec.Template.Spec
	switch {
	case spec.CompletionMode == nil || *spec.CompletionMode != batchv1.IndexedCompletion,
		spec.Completions == nil || *spec.Completions != shares, spec.Parallelism == nil || *spec.Parallelism != shares,
		spec.BackoffLimitPerIndex == nil, pod.RestartPolicy != corev1.RestartPolicyNever,
		len(pod.Containers) != 1, len(pod.Volumes) != 1, cm == nil,
		pod.Volumes[0].ConfigMap == nil || pod.Volumes[0].ConfigMap.Name != cm.Name,
		job.Namespace != "ml" || cm.Namespace != "ml":
		t.Fatalf("the Job is not an Indexed Job of %d shares with its plan mounted:\n%s", shares, manifest)
	}
	saved, err := os.ReadFile(plan)
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid([]byte(cm.Data["plan.json"])) || strings.TrimSpace(cm.Data["plan.json"]) != strings.TrimSpace(string(saved)) {
		t.Fatalf("the ConfigMap holds another plan:\n%s", cm.Data["plan.json"])
	}

	// The pods, one after the other: the volume mounted where the
	// container expects it, the index in the environment.
	c := pod.Containers[0]
	mount := filepath.Join(dir, "mnt")
	if err := os.MkdirAll(mount, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, data := range cm.Data {
		if err := os.WriteFile(filepath.Join(mount, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i := range shares {
		args := append(slices.Clone(c.Command), c.Args...)
		for j, a := range args {
			a = strings.ReplaceAll(a, "$(JOB_COMPLETION_INDEX)", fmt.Sprint(i))
			args[j] = strings.Replace(a, c.VolumeMounts[0].MountPath, mount, 1)
		}
		run([]string{fmt.Sprintf("JOB_COMPLETION_INDEX=%d", i)}, args...)
	}

	// The pipeline's finishing step, its placeholders filled as KFP does.
	commitStep := readComponent(t, "component-commit.yaml")
	status := filepath.Join(dir, "outputs", "status.json")
	var args []string
	for _, a := range commitStep.Implementation.Container.Command {
		switch a := a.(type) {
		case string:
			args = append(args, a)
		case map[string]any:
			if a["inputValue"] == "Plan" {
				args = append(args, plan)
			} else {
				args = append(args, status)
			}
		}
	}
	run(nil, args...)
	data, err := os.ReadFile(status)
	if err != nil || !bytes.Contains(data, []byte(`"state": "SUCCEEDED"`)) {
		t.Fatalf("commit status %s: %v", data, err)
	}

	want, got := scoredRows(t, filepath.Join(dir, "local")), scoredRows(t, out)
	if len(want) != 4*150 || !slices.Equal(got, want) {
		t.Fatalf("the Indexed Job wrote %d rows, the local runner %d", len(got), len(want))
	}
}

// scoredRows reads a committed Parquet directory back as sorted lines.
func scoredRows(t *testing.T, dir string) []string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	tbl, err := sess.Read().Parquet(dir).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	rows := frametest.Rows(tbl)
	slices.Sort(rows)
	return rows
}
