// Package config reads Earshot's YAML configuration: ${VAR} interpolation,
// strict decoding (unknown keys are errors), defaults, and validation whose
// every problem names the file, the line and the field path.
package config
