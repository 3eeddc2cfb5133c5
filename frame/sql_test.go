package frame_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/sql"
	"github.com/ember-df/ember/udf"
)

// sqlSession is a session over a checked allocator that must end with
// nothing allocated.
func sqlSession(t *testing.T) (*frame.Session, memory.Allocator) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(3, 0))
	t.Cleanup(func() { sess.Close() })
	return sess, mem
}

// produtosCSV is seed 003's products file: ';'-delimited, Portuguese.
const produtosCSV = `id;descricao;categoria
1;Figura Transformers Prime War Deluxe - E9687 - Hasbro;brinquedo
2;Senhor dos anéis;livro
3;Boneca Barbie Fashionista;brinquedo
4;O Hobbit;livro
5;Carrinho Hot Wheels;brinquedo
6;Dom Casmurro;livro
7;Jogo de panelas;casa
8;Quebra-cabeça 1000 peças;brinquedo
`

// TestSeed003SQL runs seed 003's SQL: a grouped DataFrame as temp view
// trans2, "show tables" before and after, "select * from trans2 limit 10".
func TestSeed003SQL(t *testing.T) {
	sess, _ := sqlSession(t)
	path := filepath.Join(t.TempDir(), "produtos.csv")
	if err := os.WriteFile(path, []byte(produtosCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	input := sess.Read().Option("delimiter", ";").Option("header", "true").CSV(path)
	trans2 := input.GroupBy("categoria").Count()

	if got := collectRows(t, sess.SQL("show tables")); len(got) != 0 {
		t.Fatalf("show tables before any view: %v", got)
	}
	if err := trans2.CreateTempView("trans2"); err != nil {
		t.Fatal(err)
	}
	shown := sess.SQL("show tables")
	if got := shown.Columns(); !slices.Equal(got, []string{"namespace", "tableName", "isTemporary"}) {
		t.Fatalf("show tables columns %v", got)
	}
	if got := collectRows(t, shown); !slices.Equal(got, []string{"|trans2|true"}) {
		t.Fatalf("show tables: %v", got)
	}
	got := collectRows(t, sess.SQL("select * from trans2 limit 10"))
	slices.Sort(got)
	if want := []string{"brinquedo|4", "casa|1", "livro|3"}; !slices.Equal(got, want) {
		t.Fatalf("select * from trans2 limit 10: %v, want %v", got, want)
	}
	// The same view again is an error; replacing it is not.
	if err := trans2.CreateTempView("TRANS2"); !errors.Is(err, sql.ErrExists) {
		t.Fatalf("CreateTempView twice: %v, want sql.ErrExists", err)
	}
	if err := input.CreateOrReplaceTempView("trans2"); err != nil {
		t.Fatal(err)
	}
	if got := collectRows(t, sess.SQL("SELECT count(*) FROM Trans2")); !slices.Equal(got, []string{"8"}) {
		t.Fatalf("count after replace: %v", got)
	}
	desc := collectRows(t, sess.SQL("DESCRIBE trans2"))
	if want := []string{"id|string|NULL", "descricao|string|NULL", "categoria|string|NULL"}; !slices.Equal(desc, want) {
		t.Fatalf("describe: %v, want %v", desc, want)
	}
}

// keywordModel is a udf.Model that classifies a product description by
// keywords, standing in for the seed's text classifier.
type keywordModel struct{ key string }

func (m keywordModel) Name() string                                              { return "categoria" }
func (m keywordModel) Key() string                                               { return m.key }
func (m keywordModel) Hints() udf.Hints                                          { return udf.Hints{} }
func (m keywordModel) Close() error                                              { return nil }
func (m keywordModel) Load(context.Context, udf.LoadOptions) (udf.Loaded, error) { return m, nil }
func (m keywordModel) Bind(in []arrow.Field) ([]arrow.Field, error) {
	if len(in) != 1 || in[0].Type.ID() != arrow.STRING {
		return nil, fmt.Errorf("categoria takes one string column, got %v", in)
	}
	return []arrow.Field{{Name: "categoria", Type: arrow.BinaryTypes.String}}, nil
}
func (m keywordModel) Predict(ctx context.Context, in []arrow.Array, rows int) ([]arrow.Array, error) {
	s := in[0].(*array.String)
	b := array.NewStringBuilder(compute.GetAllocator(ctx))
	defer b.Release()
	for i := range rows {
		d := strings.ToLower(s.Value(i))
		switch {
		case strings.Contains(d, "hobbit") || strings.Contains(d, "anéis") || strings.Contains(d, "casmurro"):
			b.Append("livro")
		case strings.Contains(d, "panela"):
			b.Append("casa")
		default:
			b.Append("brinquedo")
		}
	}
	return []arrow.Array{b.NewArray()}, nil
}

// TestIssueSQLExample is the issue's snippet, as written: a model
// registered by name and called from SQL, grouped by position.
func TestIssueSQLExample(t *testing.T) {
	sess, _ := sqlSession(t)
	path := filepath.Join(t.TempDir(), "produtos.csv")
	if err := os.WriteFile(path, []byte(produtosCSV), 0o644); err != nil {
		t.Fatal(err)
	}
	produtos := sess.Read().Option("delimiter", ";").Option("header", "true").CSV(path)
	var model udf.Model = keywordModel{key: t.Name()}
	t.Cleanup(func() { udf.Unload(model) })

	err := produtos.CreateOrReplaceTempView("produtos")
	err = sess.RegisterModel("categoria", model) // any udf.Model
	top := sess.SQL(`SELECT categoria(descricao) AS cat, count(*) AS n
                 FROM produtos GROUP BY 1 ORDER BY n DESC LIMIT 10`)

	if err != nil {
		t.Fatal(err)
	}
	got := collectRows(t, top)
	if want := []string{"brinquedo|4", "livro|3", "casa|1"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	// The model agrees with the DataFrame API's udf.Predict.
	api := produtos.WithColumn("cat", udf.Predict(model, "descricao")).GroupBy("cat").Count().OrderBy(frame.Col("count").Desc())
	if apiRows := collectRows(t, api); !slices.Equal(apiRows, got) {
		t.Fatalf("DataFrame API: %v, SQL: %v", apiRows, got)
	}
	// And it is callable in WHERE and from Filter and SelectExpr.
	books := collectRows(t, sess.SQL("SELECT id FROM produtos WHERE categoria(descricao) = 'livro' ORDER BY CAST(id AS int)"))
	if want := []string{"2", "4", "6"}; !slices.Equal(books, want) {
		t.Fatalf("WHERE categoria(…): %v", books)
	}
	viaFilter := collectRows(t, produtos.Filter("categoria(descricao) = 'casa'").SelectExpr("upper(descricao) AS d"))
	if want := []string{"JOGO DE PANELAS"}; !slices.Equal(viaFilter, want) {
		t.Fatalf("Filter/SelectExpr with the model: %v", viaFilter)
	}
}

// TestSelectExprFilterExpr covers the DataFrame methods that parse SQL.
func TestSelectExprFilterExpr(t *testing.T) {
	sess, mem := sqlSession(t)
	df := partitioned(t, sess, mem, people, peopleJSON, 2)

	got := collectRows(t, df.SelectExpr("id", "age + 1 AS older", "upper(NAME) AS n").Filter("older > 40").Where("n IS NOT NULL"))
	slices.Sort(got)
	if want := []string{"2|46|BOB", "7|52|GUS"}; !slices.Equal(got, want) {
		t.Fatalf("SelectExpr/Filter: %v, want %v", got, want)
	}
	if got := collectRows(t, df.SelectExpr("count(*) AS n", "max(age)")); !slices.Equal(got, []string{"7|51"}) {
		t.Fatalf("SelectExpr with aggregates: %v", got)
	}
	if got := df.SelectExpr("*").Columns(); !slices.Equal(got, df.Columns()) {
		t.Fatalf("SelectExpr(*) columns %v", got)
	}
	// frame.Expr makes a Column of SQL, usable wherever a Column is.
	got = collectRows(t, df.Select(frame.Expr("id * 10 AS ten"), frame.Col("dept")).Filter(frame.Expr("dept = 'ops'")))
	slices.Sort(got)
	if want := []string{"20|ops", "60|ops"}; !slices.Equal(got, want) {
		t.Fatalf("frame.Expr: %v, want %v", got, want)
	}
	// A Column condition still works.
	if n, err := df.Filter(frame.Col("age").Gt(40)).Count(t.Context()); err != nil || n != 2 {
		t.Fatalf("Filter(Column): %d, %v", n, err)
	}
	// Errors stick, with their position and the columns that exist.
	err := df.Filter("agee > 1").Err()
	var serr *sql.Error
	if !errors.As(err, &serr) || serr.Line != 1 || serr.Column != 1 || !errors.Is(err, plan.ErrColumnNotFound) ||
		!strings.Contains(err.Error(), `did you mean "age"`) {
		t.Fatalf("Filter(\"agee > 1\"): %v", err)
	}
	if err := df.SelectExpr("id +").Err(); !errors.Is(err, sql.ErrSyntax) {
		t.Fatalf("SelectExpr syntax error: %v", err)
	}
	if _, err := df.Select(frame.Expr("id +")).Count(t.Context()); !errors.Is(err, sql.ErrSyntax) {
		t.Fatalf("Expr syntax error: %v", err)
	}
}

// TestCatalog covers the session catalog.
func TestCatalog(t *testing.T) {
	sess, mem := sqlSession(t)
	df := partitioned(t, sess, mem, people, peopleJSON, 1)
	for _, name := range []string{"b_view", "A_view"} {
		if err := df.CreateTempView(name); err != nil {
			t.Fatal(err)
		}
	}
	cat := sess.Catalog()
	tables := cat.ListTables()
	if len(tables) != 2 || tables[0].Name != "A_view" || tables[1].Name != "b_view" || !tables[0].IsTemporary {
		t.Fatalf("ListTables: %+v", tables)
	}
	if !cat.TableExists("a_VIEW") || cat.TableExists("c_view") {
		t.Fatal("TableExists")
	}
	planned := sess.SQL("SELECT count(*) FROM a_view")
	if !cat.DropTempView("a_view") || cat.DropTempView("a_view") {
		t.Fatal("DropTempView")
	}
	// A query planned before the drop still runs; a new one fails naming
	// the views that exist.
	if got := collectRows(t, planned); !slices.Equal(got, []string{"7"}) {
		t.Fatalf("planned before drop: %v", got)
	}
	err := sess.SQL("SELECT * FROM a_view").Err()
	if !errors.Is(err, sql.ErrNotFound) || !strings.Contains(err.Error(), "views: b_view") {
		t.Fatalf("dropped view: %v", err)
	}
	// A DataFrame holding an error cannot be a view.
	if err := df.Select("nope").CreateTempView("x"); !errors.Is(err, plan.ErrColumnNotFound) {
		t.Fatalf("CreateTempView of a failed DataFrame: %v", err)
	}
	if err := sess.RegisterModel("m", nil); err == nil {
		t.Fatal("RegisterModel(nil) accepted")
	}
}

// TestSQLUDFAndFiles calls a registered scalar UDF from SQL and reads a
// Parquet file directly (parquet.`path`).
func TestSQLUDFAndFiles(t *testing.T) {
	sess, mem := sqlSession(t)
	df := partitioned(t, sess, mem, people, peopleJSON, 2)
	dir := filepath.Join(t.TempDir(), "people")
	if err := df.Write().Parquet(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	if err := sess.RegisterUDF("initial", udf.Func1("test.initial", func(s string) string { return s[:1] })); err != nil {
		t.Fatal(err)
	}
	got := collectRows(t, sess.SQL(fmt.Sprintf("SELECT initial(name) AS i, count(*) FROM parquet.`%s` WHERE name IS NOT NULL GROUP BY i ORDER BY i", dir)))
	if want := []string{"G|1", "a|1", "b|1", "d|1", "e|1", "f|1"}; !slices.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	err := sess.SQL("SELECT * FROM orc.`/nowhere`").Err()
	if !errors.Is(err, sql.ErrNotFound) {
		t.Fatalf("unknown file format: %v", err)
	}
}
