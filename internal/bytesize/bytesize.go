// Package bytesize renders byte counts for people: in messages, the
// progress display and the web UI.
package bytesize

import "fmt"

// Format renders n in binary units with one decimal: "512 B", "4.0 KiB",
// "2.0 GiB" (up to PiB).
func Format(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
