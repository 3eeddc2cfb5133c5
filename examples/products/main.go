// Command products is seed 003, "Introdução ao Apache Spark", in ember:
// a ';'-delimited products CSV read with a header, a column made with
// Concat(Lit("Prefixo"), "descricao"), a count per category, the count as
// temp view trans2 listed by SHOW TABLES and queried with SQL, a text
// classifier applied to the descriptions from the DataFrame API and from
// SQL, ids from MonotonicallyIncreasingID, and the predictions written
// as CSV in overwrite mode.
//
//	go run ./examples/products [-data produtos.csv] [-model model.onnx] [-out DIR]
//
// Without -data it uses the products file shipped beside this source
// (produtos.csv: Portuguese descriptions of car and motorcycle parts).
// The classifier is the newsgroups text model (TF-IDF + logistic
// regression, rec.autos vs rec.motorcycles) from the project's shared
// models: -model, else $EMBER_SHARED or ../shared beside the repository;
// there is no copy in the repository, so without either the command
// fails saying where it looked. Its input is a [N,2] string tensor
// (subject, body); a description goes in as the body with an empty
// subject, and its labels 0 and 1 become "carro" and "moto".
//
// OUT receives CSV part files (no header, as the seed's
// write.mode('overwrite').csv) with the columns id, descricao, predict.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

//go:embed produtos.csv
var produtos []byte

// sharedModel is the classifier's place inside the shared directory.
const sharedModel = "models/newsgroups_autos_vs_motorcycles/model.onnx"

// labels name the model's classes: 0 rec.autos, 1 rec.motorcycles.
var labels = []string{"carro", "moto"}

// sharedDir is $EMBER_SHARED, or ../shared beside the directory the
// example runs in (the repository root, with go run ./examples/products).
func sharedDir() string {
	if d := os.Getenv("EMBER_SHARED"); d != "" {
		return d
	}
	return filepath.Join("..", "shared")
}

func main() {
	data := flag.String("data", "", "';'-delimited products CSV with a header and a descricao column (default: the shipped produtos.csv)")
	model := flag.String("model", "", "newsgroups text classifier ONNX file (default: "+sharedModel+" in $EMBER_SHARED or ../shared)")
	out := flag.String("out", filepath.Join(os.TempDir(), "ember-predicoes"), "output directory (replaced)")
	flag.Parse()
	if *model == "" {
		*model = filepath.Join(sharedDir(), sharedModel)
	}
	if _, err := run(context.Background(), *data, *model, *out, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// report is what a run found, for its test.
type report struct {
	byCategory map[string]int64  // df_trans2: rows per categoria
	tables     [2][]string       // SHOW TABLES before and after createTempView
	trans2SQL  map[string]int64  // select * from trans2 limit 10
	teste      map[int64]string  // df_teste's predictions, DataFrame API
	testeSQL   map[int64]string  // the same from SQL
	predicted  map[string]string // the whole file: descricao → predict
	written    int64             // rows written to out
}

// show prints df's first rows to w, as the seed's show() and toPandas().
func show(ctx context.Context, w io.Writer, title string, df *frame.DataFrame) error {
	s, err := df.ShowString(ctx, 20, 40)
	if err != nil {
		return fmt.Errorf("%s: %w", title, err)
	}
	_, err = fmt.Fprintf(w, "%s\n%s", title, s)
	return err
}

// run follows the seed's steps in order over the products file data (the
// shipped one when empty), with the classifier at modelPath, writing the
// predictions to out and the shown tables to w.
func run(ctx context.Context, data, modelPath, out string, w io.Writer) (report, error) {
	rep := report{}
	if data == "" {
		dir, err := os.MkdirTemp("", "ember-products")
		if err != nil {
			return rep, err
		}
		defer os.RemoveAll(dir)
		data = filepath.Join(dir, "produtos.csv")
		if err := os.WriteFile(data, produtos, 0o644); err != nil {
			return rep, err
		}
	}
	if _, err := os.Stat(modelPath); err != nil {
		return rep, fmt.Errorf("products: the text classifier: %w (pass -model, or set EMBER_SHARED to the shared directory)", err)
	}
	sess := frame.NewSession()
	defer sess.Close()

	// 9.2.4: df_input = spark.read.option("delimiter", ';').option("header","true").csv(…)
	dfInput := sess.Read().Option("delimiter", ";").Option("header", "true").CSV(data)
	// df_trans1 = df_input.withColumn("nova_coluna", concat(lit("Prefixo"),"descricao"))
	dfTrans1 := dfInput.WithColumn("nova_coluna", frame.Concat(frame.Lit("Prefixo"), "descricao"))
	// df_trans2 = df_trans1.groupBy("categoria").count(); nothing runs yet.
	dfTrans2 := dfTrans1.GroupBy("categoria").Count()
	// df_trans2.show(): the first job.
	if err := show(ctx, w, "df_trans2.show()", dfTrans2.OrderBy("categoria")); err != nil {
		return rep, err
	}
	var err error
	if rep.byCategory, err = stringToInt(ctx, dfTrans2); err != nil {
		return rep, err
	}

	// spark.sql("show tables"): the local catalog starts empty.
	if rep.tables[0], err = column(ctx, sess.SQL("show tables"), "tableName"); err != nil {
		return rep, err
	}
	if err := show(ctx, w, "show tables", sess.SQL("show tables")); err != nil {
		return rep, err
	}
	// df_trans2.createTempView("trans2"), then show tables again.
	if err := dfTrans2.CreateTempView("trans2"); err != nil {
		return rep, err
	}
	if rep.tables[1], err = column(ctx, sess.SQL("show tables"), "tableName"); err != nil {
		return rep, err
	}
	if err := show(ctx, w, "show tables", sess.SQL("show tables")); err != nil {
		return rep, err
	}
	// %%sql select * from trans2 limit 10
	trans2 := sess.SQL("select * from trans2 limit 10")
	if err := show(ctx, w, "select * from trans2 limit 10", trans2); err != nil {
		return rep, err
	}
	if rep.trans2SQL, err = stringToInt(ctx, trans2); err != nil {
		return rep, err
	}

	// 9.2.5: df_teste = spark.createDataFrame([(1, "…"), …], ["id", "descricao"])
	type produto struct {
		ID        int64  `ember:"id"`
		Descricao string `ember:"descricao"`
	}
	dfTeste := sess.CreateDataFrame([]produto{
		{1, "Capacete fechado para moto, pilotar a bike com segurança"},
		{2, "Jogo de pneus para carro sedan Toyota"},
		{3, "Escapamento para motocicleta Harley-Davidson"},
	})
	// df_teste.toPandas()
	if err := show(ctx, w, "df_teste", dfTeste); err != nil {
		return rep, err
	}

	// pipe = sc.broadcast(joblib.load(…)): the engine loads the model once
	// per process and shares it among the partitions.
	model, err := onnx.Load(modelPath, onnx.WithOutputs("output_label"))
	if err != nil {
		return rep, err
	}
	defer udf.Unload(model)
	// @pandas_udf("string") def predict(descricao): the description is the
	// body of a post with no subject; the class index becomes its name.
	predict := func(descricao string) *udf.Prediction {
		return udf.Predict(model, frame.Lit(""), descricao).Labels(labels...)
	}

	// df_predict = df_teste.withColumn("predict", predict("descricao"))
	dfPredict := dfTeste.WithColumn("predict", predict("descricao"))
	if err := show(ctx, w, `df_teste.withColumn("predict", predict("descricao"))`, dfPredict); err != nil {
		return rep, err
	}
	if rep.teste, err = intToString(ctx, dfPredict, "id", "predict"); err != nil {
		return rep, err
	}
	// The same model from SQL: registered by name, called in a SELECT.
	if err := sess.RegisterModel("classificador", model); err != nil {
		return rep, err
	}
	if err := dfTeste.CreateOrReplaceTempView("teste"); err != nil {
		return rep, err
	}
	viaSQL := sess.SQL(`SELECT id, descricao,
		CASE classificador('', descricao) WHEN 0 THEN 'carro' WHEN 1 THEN 'moto' END AS predict
		FROM teste`)
	if err := show(ctx, w, "SELECT id, descricao, classificador('', descricao) … FROM teste", viaSQL); err != nil {
		return rep, err
	}
	if rep.testeSQL, err = intToString(ctx, viaSQL, "id", "predict"); err != nil {
		return rep, err
	}

	// The production run: the products file again, an id per description,
	// the prediction, written over any earlier output.
	// df_input = df_input.select("descricao").withColumn("id", monotonically_increasing_id())
	dfInput = sess.Read().Option("delimiter", ";").Option("header", "true").CSV(data)
	dfInput = dfInput.Select("descricao").WithColumn("id", frame.MonotonicallyIncreasingID())
	// df_predict = df_input.select("id","descricao").withColumn("predict", predict("descricao"))
	dfPredict = dfInput.Select("id", "descricao").WithColumn("predict", predict("descricao"))
	// df_predict.write.mode('overwrite').csv("predicoes")
	if err := dfPredict.Write().Mode(frame.Overwrite).CSV(ctx, out); err != nil {
		return rep, err
	}
	rep.written = sess.LastMetrics().RowsOutput
	fmt.Fprintf(w, "wrote %d predictions to %s\n", rep.written, out)

	// Read back what was written (no header: _c0 id, _c1 descricao, _c2 predict).
	written := sess.Read().CSV(out)
	if err := show(ctx, w, "predicoes", written); err != nil {
		return rep, err
	}
	descr, err := column(ctx, written, "_c1")
	if err != nil {
		return rep, err
	}
	preds, err := column(ctx, written, "_c2")
	if err != nil {
		return rep, err
	}
	rep.predicted = make(map[string]string, len(descr))
	for i := range descr {
		rep.predicted[descr[i]] = preds[i]
	}
	return rep, nil
}

// collect runs df and calls fn with each of its batches.
func collect(ctx context.Context, df *frame.DataFrame, fn func(b arrow.RecordBatch)) error {
	tbl, err := df.Collect(ctx)
	if err != nil {
		return err
	}
	defer tbl.Release()
	rec := array.NewTableReader(tbl, -1)
	defer rec.Release()
	for rec.Next() {
		fn(rec.RecordBatch())
	}
	return rec.Err()
}

// column returns the named column of df's rows as strings, in row order.
func column(ctx context.Context, df *frame.DataFrame, name string) ([]string, error) {
	out := []string{}
	err := collect(ctx, df.Select(name), func(b arrow.RecordBatch) {
		for i := range int(b.NumRows()) {
			out = append(out, frame.CellString(b.Column(0), i))
		}
	})
	return out, err
}

// stringToInt maps df's first column (strings) to its second (counts).
func stringToInt(ctx context.Context, df *frame.DataFrame) (map[string]int64, error) {
	out := map[string]int64{}
	var bad error
	err := collect(ctx, df, func(b arrow.RecordBatch) {
		for i := range int(b.NumRows()) {
			var n int64
			if _, err := fmt.Sscan(frame.CellString(b.Column(1), i), &n); err != nil && bad == nil {
				bad = fmt.Errorf("products: count %q: %w", frame.CellString(b.Column(1), i), err)
			}
			out[frame.CellString(b.Column(0), i)] = n
		}
	})
	if err == nil {
		err = bad
	}
	return out, err
}

// intToString maps df's column key (integers) to its column value.
func intToString(ctx context.Context, df *frame.DataFrame, key, value string) (map[int64]string, error) {
	out := map[int64]string{}
	var bad error
	err := collect(ctx, df.Select(key, value), func(b arrow.RecordBatch) {
		for i := range int(b.NumRows()) {
			var k int64
			if _, err := fmt.Sscan(frame.CellString(b.Column(0), i), &k); err != nil && bad == nil {
				bad = fmt.Errorf("products: %s %q: %w", key, frame.CellString(b.Column(0), i), err)
			}
			out[k] = frame.CellString(b.Column(1), i)
		}
	})
	if err == nil {
		err = bad
	}
	return out, err
}
