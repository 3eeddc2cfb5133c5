// Package weights is the format of weights.json, which the trainer
// (../train) writes and the plugin (..) embeds and reads.
package weights

// File is weights.json. Weights[c][j] multiplies the standardized feature
// j, (x_j - Mean[j]) / Std[j], for class c; Bias[c] is added.
type File struct {
	Classes          []string    `json:"classes"`
	Features         []string    `json:"features"`
	Mean             []float64   `json:"mean"`
	Std              []float64   `json:"std"`
	Weights          [][]float64 `json:"weights"`
	Bias             []float64   `json:"bias"`
	L2               float64     `json:"l2"`
	TrainingAccuracy float64     `json:"training_accuracy"`
}
