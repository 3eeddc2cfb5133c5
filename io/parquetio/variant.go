package parquetio

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/parquet/variant"
)

// checkVariants decodes every VARIANT value of the batch's columns (at
// any depth: in structs, lists and maps too), returning an error wrapping
// ErrCorrupt for the first that does not decode. pqarrow hands a VARIANT
// column out as arrow-go's variant extension array without looking at its
// bytes, and the extension array trusts them: a value whose headers point
// past its bytes, or at keys its metadata lacks, makes every later access
// (formatting it for Show or Collect, say) panic far from the file. So
// the reader decodes each value once, as it reads it, with the variant
// package's bounds-checked decoding (variant.New validates the metadata
// and walks the whole value), and a panic while doing so (arrow-go
// reassembling a shredded value from corrupt columns) is an error too. It
// costs a pass over the variant bytes; columns of other types cost a walk
// of their type.
func checkVariants(b arrow.RecordBatch) error {
	for i, col := range b.Columns() {
		if !hasVariant(col.DataType()) {
			continue
		}
		if err := checkVariantColumn(b.Schema().Field(i).Name, col); err != nil {
			return err
		}
	}
	return nil
}

// hasVariant reports whether t is or holds a VARIANT.
func hasVariant(t arrow.DataType) bool {
	switch t := t.(type) {
	case *extensions.VariantType:
		return true
	case arrow.ExtensionType:
		return hasVariant(t.StorageType())
	case *arrow.DictionaryType:
		return hasVariant(t.ValueType)
	case arrow.NestedType:
		for _, f := range t.Fields() {
			if hasVariant(f.Type) {
				return true
			}
		}
	}
	return false
}

// checkVariantColumn is checkVariants for one column, named path in
// errors; a panic decoding it becomes an error.
func checkVariantColumn(path string, a arrow.Array) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%w: column %s: a VARIANT value does not decode: the decoder panicked: %v", ErrCorrupt, path, p)
		}
	}()
	return checkVariantArray(path, a)
}

func checkVariantArray(path string, a arrow.Array) error {
	if !hasVariant(a.DataType()) {
		return nil
	}
	switch a := a.(type) {
	case *extensions.VariantArray:
		if err := checkVariantValues(a); err != nil {
			return fmt.Errorf("%w: column %s: %w", ErrCorrupt, path, err)
		}
		return nil
	case array.ExtensionArray:
		return checkVariantArray(path, a.Storage())
	case *array.Dictionary:
		return checkVariantArray(path, a.Dictionary())
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		for i := range a.NumField() {
			if err := checkVariantArray(path+"."+st.Field(i).Name, a.Field(i)); err != nil {
				return err
			}
		}
		return nil
	case array.ListLike:
		// The whole child: every value a list could reach.
		return checkVariantArray(path+".item", a.ListValues())
	}
	return fmt.Errorf("%w: column %s: cannot check the VARIANT values in %s", ErrCorrupt, path, a.DataType())
}

// checkVariantValues decodes each non-null value of a.
func checkVariantValues(a *extensions.VariantArray) error {
	if a.IsShredded() {
		return checkShreddedVariants(a)
	}
	st := a.Storage().(*array.Struct)
	vt := a.VariantType()
	metaIdx, _ := vt.StorageType().(*arrow.StructType).FieldIdx(vt.Metadata().Name)
	valueIdx, _ := vt.StorageType().(*arrow.StructType).FieldIdx(vt.Value().Name)
	metas, err := binaryValues(st.Field(metaIdx))
	if err != nil {
		return err
	}
	values, err := binaryValues(st.Field(valueIdx))
	if err != nil {
		return err
	}
	// Values mostly share their metadata (one dictionary per column or
	// per writer): decode it once for a run of equal metadata.
	var (
		lastMeta []byte
		meta     variant.Metadata
		metaErr  error
		decoded  bool
	)
	for i := range a.Len() {
		// As arrow-go's VariantArray.Value: a NULL struct or value is NULL.
		if st.IsNull(i) || values.IsNull(i) {
			continue
		}
		m := metas.Value(i)
		if !decoded || !bytes.Equal(m, lastMeta) {
			meta, metaErr = variant.NewMetadata(m)
			lastMeta, decoded = m, true
		}
		if metaErr != nil {
			return fmt.Errorf("row %d: %w", i, metaErr)
		}
		if _, err := variant.NewWithMetadata(meta, values.Value(i)); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	return nil
}

// checkShreddedVariants decodes each non-null value of a shredded
// variant array as arrow-go's VariantArray.Value reassembles it from its
// metadata, value and typed_value columns, and then the reassembled bytes
// (arrow-go copies the value column's bytes into them unchecked).
func checkShreddedVariants(a *extensions.VariantArray) error {
	for i := range a.Len() {
		if a.IsNull(i) {
			continue
		}
		v, err := a.Value(i)
		if err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
		if _, err := variant.New(v.Metadata().Bytes(), v.Bytes()); err != nil {
			return fmt.Errorf("row %d: %w", i, err)
		}
	}
	return nil
}

// binaryValues is a's values as bytes: a binary array, or a dictionary of
// them (a variant's metadata may be dictionary-encoded).
func binaryValues(a arrow.Array) (arrow.TypedArray[[]byte], error) {
	switch a := a.(type) {
	case arrow.TypedArray[[]byte]:
		return a, nil
	case *array.Dictionary:
		return array.NewDictWrapper[[]byte](a)
	}
	return nil, errors.New("variant storage is " + a.DataType().String() + ", not binary")
}
