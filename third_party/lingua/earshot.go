// This file is not upstream's: Earshot added it to test that the models
// it ships are the ones its detector reads (see README.md).

package lingua

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/earshothq/earshot/third_party/lingua/serialization"
)

// ModelFiles lists the embedded model files ("language-models/en/trigrams.pb.bin.zip").
func ModelFiles() ([]string, error) {
	var files []string
	err := fs.WalkDir(languageModels, "language-models", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return err
	})
	return files, err
}

// LoadModel reads the embedded ngramLength-gram model of language and
// returns its number of n-grams, or an error where the detector, which
// reads the same file, would quietly find no model (loadProtobufData).
func LoadModel(language Language, ngramLength int) (int, error) {
	path := fmt.Sprintf("language-models/%s/%ss.pb.bin.zip",
		strings.ToLower(language.IsoCode639_1().String()), getNgramNameByLength(ngramLength))
	b, err := languageModels.ReadFile(path)
	if err != nil {
		return 0, err
	}
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	if len(z.File) != 1 {
		return 0, fmt.Errorf("%s: %d files in the archive, want 1", path, len(z.File))
	}
	f, err := z.File[0].Open()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	var model serialization.SerializableLanguageModel
	if err := proto.Unmarshal(data, &model); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	n := 0
	for _, set := range model.NgramSets {
		n += len(set.Ngrams)
	}
	if n == 0 {
		return 0, fmt.Errorf("%s: no n-grams", path)
	}
	return n, nil
}
