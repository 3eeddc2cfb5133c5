//go:build !unix

package commit

import "context"

// lockParent does nothing where flock is missing: concurrent commits to
// one destination are not serialized there (docs/commit.md).
func lockParent(context.Context, string) (func(), error) { return func() {}, nil }
