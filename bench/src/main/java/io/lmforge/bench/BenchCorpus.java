package io.lmforge.bench;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Real text for the tokenizer benchmarks: every file under the given directories that is valid
 * UTF-8 (gzip-compressed man pages are decompressed), one document per file, labelled with a
 * domain. The default is what bin/fetch-test-data fetches.
 */
final class BenchCorpus {
    /** A document: its domain, its file and its text. */
    record Doc(String domain, String path, String text) {
    }

    static final List<String> DEFAULT_INPUTS = List.of(
            "docs=debian/python3.11-doc/usr/share/doc/python3.11/html/_sources",
            "code=debian/libpython3.11-stdlib/usr/lib/python3.11",
            "man-ja=debian/manpages-ja/usr/share/man",
            "man-zh=debian/manpages-zh/usr/share/man",
            "man-fr=debian/manpages-fr/usr/share/man",
            "man-de=debian/manpages-de/usr/share/man");

    private BenchCorpus() {
    }

    /** {@code label=dir} inputs; a relative dir is taken under {@code .cache/testdata}. */
    static List<Doc> load(List<String> inputs, Path testData) {
        List<Doc> docs = new ArrayList<>();
        for (String input : inputs) {
            int eq = input.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--input wants DOMAIN=DIR, got " + input);
            }
            String domain = input.substring(0, eq);
            Path dir = Path.of(input.substring(eq + 1));
            if (!dir.isAbsolute()) {
                dir = testData.resolve(dir);
            }
            if (!Files.isDirectory(dir)) {
                throw new IllegalArgumentException(dir + " is not a directory (run bin/fetch-test-data)");
            }
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
                    String text = text(f);
                    if (text != null && !text.isBlank()) {
                        docs.add(new Doc(domain, f.toString(), text));
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return docs;
    }

    /** The file's text, or null if it is not UTF-8 text. */
    private static String text(Path f) throws IOException {
        if (Files.size(f) > (32 << 20)) {
            return null;
        }
        byte[] bytes;
        try (InputStream in = f.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(f)) : Files.newInputStream(f)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
        for (byte b : bytes) {
            if (b == 0) {
                return null;
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /**
     * Every document {@code times} times, copy k with the id {@code PATH#k} (the first keeps its
     * path): a corpus {@code times} as large, of distinct documents, on which fixed costs vanish.
     */
    static List<Doc> repeat(List<Doc> docs, int times) {
        if (times < 1) {
            throw new IllegalArgumentException("--repeat must be at least 1, got " + times);
        }
        List<Doc> out = new ArrayList<>(docs.size() * times);
        for (int k = 0; k < times; k++) {
            for (Doc d : docs) {
                out.add(k == 0 ? d : new Doc(d.domain(), d.path() + "#" + k, d.text()));
            }
        }
        return out;
    }

    /**
     * The documents in a random order fixed by {@code seed}: the order in which a stage downstream of
     * deduplication (which hash-partitions the corpus) reads them, documents of every language mixed.
     */
    static List<Doc> shuffled(List<Doc> docs, long seed) {
        List<Doc> out = new ArrayList<>(docs);
        java.util.Collections.shuffle(out, new java.util.Random(seed));
        return out;
    }

    static long bytes(List<Doc> docs) {
        long n = 0;
        for (Doc d : docs) {
            n += d.text().getBytes(StandardCharsets.UTF_8).length;
        }
        return n;
    }

    /**
     * Writes the documents as a {@code documents/}-like Parquet dataset, in their order (file k holds
     * the k-th slice of the list), and reads it back.
     */
    static Dataset<Row> write(SparkSession spark, List<Doc> docs, Path dir) {
        StructType schema = new StructType(new StructField[]{
                DataTypes.createStructField("id", DataTypes.StringType, false),
                DataTypes.createStructField("source", DataTypes.StringType, false),
                DataTypes.createStructField("domain", DataTypes.StringType, false),
                DataTypes.createStructField("text", DataTypes.StringType, false),
        });
        List<Row> rows = new ArrayList<>();
        for (Doc d : docs) {
            rows.add(RowFactory.create(d.path(), d.domain(), d.domain(), d.text()));
        }
        int partitions = Math.max(2, (int) (bytes(docs) >> 23));
        // parallelize cuts a list into contiguous slices, in order, where repartition would deal the rows out at random.
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        spark.createDataFrame(jsc.parallelize(rows, partitions), schema).write().mode("overwrite")
                .option("compression", "zstd").parquet(dir.toString());
        return spark.read().parquet(dir.toString());
    }

    static Path testData() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve(".cache/testdata"))) {
                return d.resolve(".cache/testdata");
            }
        }
        return Path.of(".cache/testdata").toAbsolutePath();
    }
}
