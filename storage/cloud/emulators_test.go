package cloud_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/storage/cloud/azuritetest"
	"github.com/ember-df/ember/storage/cloud/gcstest"
	"github.com/ember-df/ember/storage/storagetest"
)

// The gs:// and azblob:// filesystems against local emulators:
// fake-gcs-server (a fake of the GCS JSON API, not Google's service) and
// Azurite, Microsoft's Azure Storage emulator.

func TestGCSConformance(t *testing.T) {
	srv := gcstest.Start(t)
	storagetest.Run(t, srv.URL("some/prefix"))
}

func TestGCSBucketRoot(t *testing.T) {
	srv := gcstest.Start(t)
	storagetest.Run(t, "gs://"+srv.Bucket)
}

func TestGCSWriteThenRead(t *testing.T) {
	srv := gcstest.Start(t)
	frameRoundTrip(t, srv.URL)
	// The data is in the emulator, seen through its own API.
	resp, err := http.Get("http://" + srv.Host + "/storage/v1/b/" + srv.Bucket + "/o/" + url.PathEscape("out/_SUCCESS"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("fake-gcs-server has no out/_SUCCESS: %s", resp.Status)
	}
}

// TestAzurite runs every azblob:// test under one Azurite: gocloud's
// opener keeps the Azure environment it first saw (see azuritetest).
func TestAzurite(t *testing.T) {
	srv := azuritetest.Start(t)
	t.Run("Conformance", func(t *testing.T) {
		storagetest.Run(t, srv.URL("some/prefix"))
	})
	t.Run("ContainerRoot", func(t *testing.T) {
		if err := srv.CreateContainer(ctx, "ember-root"); err != nil {
			t.Fatal(err)
		}
		storagetest.Run(t, "azblob://ember-root")
	})
	t.Run("WriteThenRead", func(t *testing.T) {
		frameRoundTrip(t, srv.URL)
		// The data is in the emulator, seen through the Azure SDK.
		if _, err := srv.Client.ServiceClient().NewContainerClient(srv.Container).NewBlobClient("out/_SUCCESS").GetProperties(ctx, nil); err != nil {
			t.Errorf("Azurite has no out/_SUCCESS: %v", err)
		}
	})
}

// frameRoundTrip writes Parquet with Overwrite through frame under
// at("out") and reads it back: the rows are equal, and a stray part
// file the _SUCCESS manifest does not list is ignored.
func frameRoundTrip(t *testing.T, at func(string) string) {
	sess := session(t)
	put(t, at("in/data.csv"), csvText(5000))
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(at("in/data.csv"))
	want := rows(t, df)
	out := at("out")
	// Twice: the second Overwrite replaces the first.
	for range 2 {
		if err := df.Repartition(3).Write().Mode(frame.Overwrite).Parquet(ctx, out); err != nil {
			t.Fatal(err)
		}
	}
	m, err := commit.ReadManifest(out)
	if err != nil || m.Rows != 5000 || len(m.Files) != 3 {
		t.Fatalf("manifest %+v, %v", m, err)
	}
	put(t, at("out/part-00009-stray.parquet"), []byte("not parquet: a killed job's leftover"))
	if got := rows(t, sess.Read().Parquet(out)); !slices.Equal(got, want) {
		t.Errorf("Parquet round trip: %d rows, want %d", len(got), len(want))
	}
}
