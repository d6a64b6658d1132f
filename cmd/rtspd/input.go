package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// readInput reads the file given to a flag (-video or -audio). It runs
// before the codec is guessed from the file's name, so that a name that
// does not exist is reported as such, not as an unknown codec.
func readInput(flagName, path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return data, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s %s: no such file", flagName, path)
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // "is a directory", "permission denied"
	}
	return nil, fmt.Errorf("%s %s: %v", flagName, path, err)
}
