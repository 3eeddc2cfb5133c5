// Package cloud registers the object stores of the public clouds with
// package storage, on gocloud.dev/blob: importing it for its side effect,
//
//	import _ "github.com/ember-df/ember/storage/cloud"
//
// makes every ember reader and writer accept s3://bucket/key (AWS S3 or
// any S3-compatible server), gs://bucket/key (Google Cloud Storage) and
// azblob://container/key (Azure Blob Storage). It is a module of its own,
// so that a program reading local files does not link three cloud SDKs.
//
// Credentials and endpoints come from each cloud's standard environment:
//
//   - s3: AWS SDK v2's default chain (AWS_ACCESS_KEY_ID,
//     AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_PROFILE, AWS_REGION,
//     instance roles, …). AWS_ENDPOINT_URL_S3, or else AWS_ENDPOINT_URL,
//     names an S3-compatible server (MinIO, versitygw, Ceph, R2, …), which
//     is then addressed path-style (http://host/bucket/key); without a
//     region, us-east-1 is assumed.
//   - gs: Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS,
//     gcloud's login, the metadata server).
//   - azblob: AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY,
//     AZURE_STORAGE_SAS_TOKEN or the default Azure credential chain, as
//     gocloud's azureblob URL opener reads them.
//
// A bucket is opened once per process, at its first use, and kept; for
// s3 the key also holds the endpoint and access key the environment named
// then, so that changing them (as tests do) opens the bucket anew. Ranged
// reads are ranged GETs (blob's NewRangeReader). A Writer is a blob
// writer — multipart above 16 MiB on S3 — that Abort, or a failed Close,
// cancels, so that nothing partial becomes visible.
package cloud
