package io.lmforge.pack;

import io.lmforge.config.Settings;
import io.lmforge.corpus.ArtifactStage;
import io.lmforge.corpus.ArtifactStageFactory;
import io.lmforge.corpus.Columns;
import io.lmforge.corpus.OutputLayout;
import io.lmforge.corpus.SessionSettings;
import io.lmforge.corpus.StageContext;
import io.lmforge.mix.MixPlan;
import io.lmforge.shards.ShardManifest;
import io.lmforge.mix.MixPlanner;
import io.lmforge.tokenizer.DocumentEncoder;
import io.lmforge.tokenizer.TokenizerArtifact;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import io.lmforge.ingest.HadoopConf;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.util.LongAccumulator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

/**
 * {@code OUT/shards/}: tokenizes the documents, plans the mixture, packs and interleaves the
 * sequences and writes {@code train/} and {@code val/} Parquet files plus {@code manifest.json}
 * (the contract with the trainer, see README).
 */
public final class ShardsStage implements ArtifactStage {
    private static final Logger LOG = LoggerFactory.getLogger(ShardsStage.class);
    /**
     * zstd Parquet bytes per token of BPE ids, to size files: 1.3 to 1.45 measured with dictionary
     * encoding (4k to 128k vocabularies), 1.22 without (128k), so files come out at or under file-size.
     */
    private static final double BYTES_PER_TOKEN = 1.45;

    /** Parts a split's files are cut into, per core, for their writing tasks. */
    private static final int WRITE_TASKS_PER_CORE = 2;
    /** The smallest part worth a task of its own (about 8 MB of Parquet). */
    private static final long MIN_PART_BYTES = 8L << 20;

    private final ShardSettings settings;

    public ShardsStage(ShardSettings settings) {
        this.settings = settings;
    }

    public static ShardsStage from(Settings section) {
        return new ShardsStage(ShardSettings.from(section));
    }

    @Override
    public String name() {
        return OutputLayout.SHARDS;
    }

    @Override
    public Map<String, Object> build(Dataset<Row> documents, StageContext context) throws IOException {
        SparkSession spark = context.spark();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        String tokenizerDir = tokenizerDir(context, hadoop);
        TokenizerArtifact tokenizer = TokenizerArtifact.read(hadoop, tokenizerDir);
        DocumentTokens.Delimiters delimiters = DocumentTokens.Delimiters.of(tokenizer, settings,
                new Path(tokenizerDir, TokenizerArtifact.CONFIG_JSON).toString());

        long t = System.nanoTime();
        spark.sparkContext().setJobDescription("shards: tokenize");
        DocumentIndex.Collector collector = DocumentIndex.Collector.register(spark);
        // Built here first so that encoder = jvm fails at once with the reason, not in every task;
        // in local mode the tasks reuse this one.
        DocumentEncoder.Source source = DocumentEncoder.Source.of(tokenizer, settings.encoder());
        String encoder = DocumentEncoder.shared(source).name();
        LongAccumulator byHf = spark.sparkContext().longAccumulator("shards: documents encoded by HF tokenizers");
        // The encoded documents stay in the executors' block managers (spilling to their disks past
        // their storage memory) until the pack has read them: no scratch files written and read back.
        DocumentTokens.Pass pass = DocumentTokens.encode(documents, delimiters, source, settings, collector,
                Packer.broadcastPieces(), byHf);
        // Kept as Spark's binary rows (one array each, the ids inside), not in Spark's columnar cache,
        // whose builder copies a binary value five times (twice only to learn its size, then as its
        // buffers grow and are finished): with ids as large as the text, that garbage cost more CPU
        // in GC than the pack. Scans of the rows read only the fields they select.
        RDD<InternalRow> cached;
        try (SessionSettings split = SessionSettings.set(spark,
                DocumentTokens.splitConf(JavaSparkContext.fromSparkContext(spark.sparkContext())))) {
            // toRdd plans the scan, under these settings; a row the plan hands on is reused, hence the copy.
            cached = pass.tokens().queryExecution().toRdd().toJavaRDD().map(InternalRow::copy).rdd();
            cached.persist(settings.scratchLevel());
            cached.count();
        }
        try {
            // internalCreateDataFrame (Spark-internal, public in the bytecode) wraps the rows as they
            // are; createDataFrame would convert each to a Row and back. It needs a classic session,
            // which the corpus job always runs (spark-submit or local), never Spark Connect.
            Dataset<Row> tokens = ((org.apache.spark.sql.classic.SparkSession) spark)
                    .internalCreateDataFrame(cached, DocumentTokens.SCHEMA, false);
            Map<String, Object> report = build(tokens, tokenizer, delimiters, encoder, collector, byHf, seconds(t), context);
            report.put("tokenize_input", pass.shuffled() ? "shuffled" : "splits");
            return report;
        } finally {
            cached.unpersist(false);
        }
    }

    private Map<String, Object> build(Dataset<Row> tokens, TokenizerArtifact tokenizer, DocumentTokens.Delimiters delimiters,
                                      String encoder, DocumentIndex.Collector collector, LongAccumulator byHf,
                                      double tokenizeSeconds, StageContext context) throws IOException {
        SparkSession spark = context.spark();
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        long t;

        // Up to a few million documents, the tokenize pass brought every document's length and hashes
        // to the driver, which splits, plans and cuts the pieces; beyond, the same is done in Spark jobs.
        t = System.nanoTime();
        spark.sparkContext().setJobDescription("shards: plan");
        Optional<DocumentIndex> index = DocumentIndex.of(collector, Packer.broadcastPieces());
        ValSplit split = index.isPresent() ? ValSplit.of(index.get().hashesByDomain(), settings.valFraction())
                : ValSplit.of(tokens, settings.valFraction());
        Map<String, Map<String, MixPlanner.Supply>> supply = index.isPresent() ? index.get().supply(split)
                : supply(split.label(tokens));
        long textTokens = supply.values().stream().flatMap(m -> m.values().stream()).mapToLong(MixPlanner.Supply::tokens).sum();
        MixPlan train = MixPlanner.plan(DocumentTokens.TRAIN, supply.getOrDefault(DocumentTokens.TRAIN, Map.of()),
                settings.mix(), settings.window(), true);
        MixPlan val = MixPlanner.plan(DocumentTokens.VAL, supply.getOrDefault(DocumentTokens.VAL, Map.of()),
                settings.mix(), settings.window(), false);
        for (MixPlan p : List.of(train, val)) {
            for (String note : p.notes()) {
                LOG.warn("shards {}: {}", p.split(), note);
            }
        }
        List<MixPlan> plans = List.of(train, val);
        Function<Packer.Layout, Dataset<Row>> sequences = index.isPresent() && Packer.pieceCount(plans) <= Packer.broadcastPieces()
                ? layout -> Packer.sequences(tokens, PiecePlan.of(index.get(), split, plans, settings.seed()), layout)
                : layout -> Packer.sequences(split.label(tokens), plans, settings.seed(), layout);

        String dir = context.layout().staged(name());
        Map<String, Written> splits = write(sequences, plans, dir, spark);
        double packSeconds = seconds(t);
        spark.sparkContext().setJobDescription(null);

        ShardManifest manifest = manifest(tokenizer, delimiters, train, val, splits);
        TokenizerArtifact.writeFile(hadoop, new Path(dir, ShardManifest.FILE), manifest.toJson());

        Map<String, Object> report = new LinkedHashMap<>();
        for (Map.Entry<String, Written> e : splits.entrySet()) {
            report.put(e.getKey() + "_sequences", e.getValue().sequences());
            report.put(e.getKey() + "_tokens", e.getValue().sequences() * settings.window());
        }
        report.put("document_tokens", textTokens);
        report.put("unmet", train.report().get("unmet"));
        report.put("notes", concat(train.notes(), val.notes()));
        report.put("encoder", encoder);
        report.put("bos_token_id", delimiters.bos() >= 0 ? delimiters.bos() : ShardSettings.NONE);
        report.put("eos_token_id", delimiters.eos() >= 0 ? delimiters.eos() : ShardSettings.NONE);
        report.put("hf_encoded_documents", byHf.value());
        report.put("tokenize_seconds", round(tokenizeSeconds));
        report.put("tokenize_tokens_per_second", tokenizeSeconds > 0 ? Math.round(textTokens / tokenizeSeconds) : 0);
        report.put("pack_seconds", round(packSeconds));
        return report;
    }

    /** A written split: its sequences, its files in order, and the sequences in each file. */
    private record Written(long sequences, List<String> files, List<Long> fileSequences) {
    }

    private ShardManifest manifest(TokenizerArtifact tokenizer, DocumentTokens.Delimiters delimiters, MixPlan train, MixPlan val, Map<String, Written> written) {
        Map<String, ShardManifest.Split> splits = new LinkedHashMap<>();
        for (MixPlan plan : List.of(train, val)) {
            Written w = written.get(plan.split());
            Map<String, Long> tokensByDomain = new LinkedHashMap<>();
            Map<String, Long> documents = new LinkedHashMap<>();
            for (MixPlan.Domain d : plan.domains()) {
                tokensByDomain.put(d.name(), d.sequences() * plan.window());
                documents.put(d.name(), d.documents());
            }
            splits.put(plan.split(), new ShardManifest.Split(plan.split(), w.files().stream().map(Path::new).toList(),
                    w.fileSequences(), w.sequences(), w.sequences() * plan.window(), tokensByDomain, documents));
        }
        // bos and eos: the tokens the documents start and end with (absent where there is none).
        Map<String, Integer> specials = new LinkedHashMap<>();
        if (delimiters.bos() >= 0) {
            specials.put("bos", delimiters.bos());
        }
        if (delimiters.eos() >= 0) {
            specials.put("eos", delimiters.eos());
        }
        for (String role : List.of("pad", "unk")) {
            if (tokenizer.specialIds().containsKey(role)) {
                specials.put(role, tokenizer.specialIds().get(role));
            }
        }
        Map<String, Object> mixture = new LinkedHashMap<>();
        mixture.put("weights", settings.mix().isNatural() ? "natural" : settings.mix().weights());
        mixture.put("max_epochs", settings.mix().maxEpochs());
        mixture.put("unmet_policy", settings.mix().unmet().name().toLowerCase(java.util.Locale.ROOT));
        mixture.put("batch_size", settings.mix().batchSize());
        mixture.put("train", train.report());
        mixture.put("val", val.report());
        return new ShardManifest(null, settings.seqLen(), tokenizer.vocabSize(), tokenizer.sha256(), settings.seed(),
                specials, settings.valFraction(), splits, mixture);
    }

    /**
     * Packs and writes all splits in one pass: the task of partition i writes file i straight to
     * {@code SPLIT/shard-NNNNN.parquet}. Checks the files hold exactly the planned sequences.
     */
    private Map<String, Written> write(Function<Packer.Layout, Dataset<Row>> sequences, List<MixPlan> plans,
                                                   String dir, SparkSession spark) throws IOException {
        Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        long[] perFile = new long[plans.size()];
        for (int s = 0; s < plans.size(); s++) {
            perFile[s] = Math.max(1, (long) (settings.fileBytes() / (plans.get(s).window() * BYTES_PER_TOKEN)));
        }
        long[] perPart = new long[plans.size()];
        int cores = spark.sparkContext().defaultParallelism();
        for (int s = 0; s < plans.size(); s++) {
            perPart[s] = partSequences(plans.get(s), perFile[s], cores);
        }
        Packer.Layout layout = Packer.Layout.of(plans, perFile, perPart);
        FileSystem fs = new Path(dir).getFileSystem(hadoop);
        String[] files = new String[layout.files()];
        for (int s = 0; s < plans.size(); s++) {
            Path splitDir = new Path(dir, plans.get(s).split());
            fs.mkdirs(splitDir);
            for (int f = layout.firstFile()[s]; f < layout.firstFile()[s + 1]; f++) {
                files[f] = new Path(splitDir, String.format("shard-%05d.parquet", f - layout.firstFile()[s])).toString();
            }
            if (plans.get(s).sequences() == 0) {
                // An empty split still gets one file with the schema, so readers need no special case.
                new ShardFileWriter(hadoop, new Path(splitDir, "shard-00000.parquet"), settings.rowGroupBytes()).close();
            }
        }
        spark.sparkContext().setJobDescription("shards: pack and write");
        if (layout.files() > 0) {
            HadoopConf conf = new HadoopConf(hadoop);
            Packer.write(sequences.apply(layout), plans.get(0).window(), layout, files, conf, settings.rowGroupBytes()).collectAsList();
            spark.sparkContext().setJobDescription("shards: join parts");
            Packer.concatenate(JavaSparkContext.fromSparkContext(spark.sparkContext()), layout, files, conf, settings.rowGroupBytes());
        }
        Map<String, Written> out = new LinkedHashMap<>();
        for (MixPlan plan : plans) {
            Path splitDir = new Path(dir, plan.split());
            FileStatus[] listed = fs.listStatus(splitDir, p -> p.getName().endsWith(".parquet"));
            Arrays.sort(listed, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
            List<String> names = new ArrayList<>();
            List<Long> rows = new ArrayList<>();
            long total = 0;
            for (FileStatus f : listed) {
                try (ParquetFileReader r = ParquetFileReader.open(HadoopInputFile.fromStatus(f, hadoop))) {
                    rows.add(r.getRecordCount());
                    total += r.getRecordCount();
                }
                names.add(plan.split() + "/" + f.getPath().getName());
            }
            if (total != plan.sequences()) {
                throw new IllegalStateException("shards " + plan.split() + ": wrote " + total + " sequences, planned "
                        + plan.sequences());
            }
            out.put(plan.split(), new Written(total, names, rows));
        }
        return out;
    }

    /**
     * Sequences per part of a file: about a {@link #WRITE_TASKS_PER_CORE}-per-core share of the
     * split, so that its files are written by all cores, but no more than a row group holds (a part
     * is a row group of the file or more) and no less than {@link #MIN_PART_BYTES} (small row groups
     * read slower). The system property {@code lmforge.shards.part-sequences} overrides it (tests).
     */
    private long partSequences(MixPlan plan, long perFile, int cores) {
        Long forced = Long.getLong("lmforge.shards.part-sequences");
        if (forced != null) {
            return Math.max(1, Math.min(perFile, forced));
        }
        double bytesPerSequence = plan.window() * BYTES_PER_TOKEN;
        long share = (plan.sequences() + WRITE_TASKS_PER_CORE * cores - 1) / ((long) WRITE_TASKS_PER_CORE * cores);
        long most = Math.max(1, (long) (settings.rowGroupBytes() / bytesPerSequence));
        long least = Math.max(1, (long) (MIN_PART_BYTES / bytesPerSequence));
        return Math.max(1, Math.min(perFile, Math.min(most, Math.max(least, share))));
    }

    /** Tokens and documents per split and domain, in Spark. */
    private static Map<String, Map<String, MixPlanner.Supply>> supply(Dataset<Row> tokens) {
        Map<String, Map<String, MixPlanner.Supply>> supply = new HashMap<>();
        for (Row r : tokens.groupBy(DocumentTokens.SPLIT, Columns.DOMAIN)
                .agg(sum(DocumentTokens.N), count(lit(1))).collectAsList()) {
            supply.computeIfAbsent(r.getString(0), k -> new HashMap<>())
                    .put(r.getString(1), new MixPlanner.Supply(r.getLong(2), r.getLong(3)));
        }
        return supply;
    }

    /** The tokenizer: shards.tokenizer, else this run's tokenizer/, else the one the last run published. */
    private String tokenizerDir(StageContext context, Configuration hadoop) throws IOException {
        if (settings.tokenizer().isPresent()) {
            return settings.tokenizer().get();
        }
        for (String dir : List.of(context.layout().staged(OutputLayout.TOKENIZER),
                context.layout().published(OutputLayout.TOKENIZER))) {
            Path json = new Path(dir, TokenizerArtifact.TOKENIZER_JSON);
            if (json.getFileSystem(hadoop).exists(json)) {
                return dir;
            }
        }
        throw new IOException("shards need a tokenizer: list 'tokenizer' before 'shards' in artifacts, "
                + "or set shards.tokenizer to a tokenizer/ directory (none at " + context.layout().published(OutputLayout.TOKENIZER) + ")");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    private static double seconds(long start) {
        return (System.nanoTime() - start) / 1e9;
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    /** Found by the runner through {@code META-INF/services/io.lmforge.corpus.ArtifactStageFactory}. */
    public static final class Factory extends ArtifactStageFactory.Of {
        public Factory() {
            super(OutputLayout.SHARDS, 20, ShardsStage::from);
        }
    }
}
