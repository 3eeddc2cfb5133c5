package frame_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ember-df/ember/frame"
)

// A temporary view queried with SQL, and the catalog listing it.
func ExampleSession_SQL() {
	dir, _ := os.MkdirTemp("", "ember-sql")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "produtos.csv")
	_ = os.WriteFile(path, []byte("id;categoria\n1;livro\n2;brinquedo\n3;livro\n"), 0o644)

	sess := frame.NewSession()
	defer sess.Close()
	produtos := sess.Read().Option("delimiter", ";").Option("header", "true").CSV(path)
	if err := produtos.CreateOrReplaceTempView("produtos"); err != nil {
		fmt.Println(err)
		return
	}
	top := sess.SQL(`SELECT categoria, count(*) AS n FROM produtos
	                 GROUP BY categoria ORDER BY n DESC, categoria LIMIT 10`)
	_ = top.Show(context.Background(), 10)
	_ = sess.SQL("SHOW TABLES").Show(context.Background(), 10)
	fmt.Println(sess.SQL("SELECT categria FROM produtos").Err())
	// Output:
	// +---------+---+
	// |categoria|  n|
	// +---------+---+
	// |    livro|  2|
	// |brinquedo|  1|
	// +---------+---+
	// +---------+---------+-----------+
	// |namespace|tableName|isTemporary|
	// +---------+---------+-----------+
	// |         | produtos|       true|
	// +---------+---------+-----------+
	// frame: SQL: sql: 1:8: column "categria" not found in the select list (did you mean "categoria"?) (columns: categoria, id)
}

// DataFrame methods that take SQL expressions.
func ExampleDataFrame_SelectExpr() {
	dir, _ := os.MkdirTemp("", "ember-sql")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "people.csv")
	_ = os.WriteFile(path, []byte("name,age\nann,31\nbob,45\n"), 0o644)

	sess := frame.NewSession()
	defer sess.Close()
	people := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(path)
	_ = people.Filter("age > 40").SelectExpr("upper(name) AS name", "age + 1 AS next").Show(context.Background(), 10)
	// Output:
	// +----+----+
	// |name|next|
	// +----+----+
	// | BOB|  46|
	// +----+----+
}
