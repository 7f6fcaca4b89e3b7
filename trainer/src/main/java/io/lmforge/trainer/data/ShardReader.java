package io.lmforge.trainer.data;

import io.lmforge.shards.ShardColumns;
import io.lmforge.shards.ShardFormatException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.ParquetDecodingException;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads token shards with parquet-mr alone (no Spark), one row group at a time: a row group is
 * the unit the training stream shuffles and the unit a rank decodes. Paths are Hadoop paths, so
 * shards on HDFS or S3 (s3a://) read the same as local ones.
 *
 * <p>Lists are accepted in every layout Parquet writers produce: the standard three-level
 * {@code LIST} (Spark, Arrow), the legacy two-level one, and a bare repeated field.
 */
public final class ShardReader {
    private static final String TOKENS = ShardColumns.INPUT_IDS;
    private static final String DOMAIN = ShardColumns.DOMAIN;
    private static final String DOC_STARTS = ShardColumns.DOC_STARTS;
    private static final String LOSS_MASK = ShardColumns.LOSS_MASK;

    private ShardReader() {
    }

    /** Row counts of the file's row groups. */
    public static long[] rowGroupSizes(Path file, Configuration conf) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
            List<BlockMetaData> groups = reader.getRowGroups();
            long[] rows = new long[groups.size()];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = groups.get(i).getRowCount();
            }
            requireColumns(reader.getFileMetaData().getSchema(), file);
            return rows;
        }
    }

    /** A window that breaks the format: skipped and counted by the caller, never fatal by itself. */
    public interface BadRows {
        void report(Path file, long row, String problem);
    }

    /**
     * The windows of row group {@code rowGroup}, one entry per row; {@code firstRow} is the file
     * row of its first row, for error messages. A window whose length is not {@code seqLen + 1}
     * or that holds ids outside [0, vocab) goes to {@code bad} and its entry is null, so entries
     * stay aligned with rows (the training stream's positions count rows).
     */
    public static List<TokenWindow> readRowGroup(Path file, int rowGroup, long firstRow, int seqLen, int vocab,
                                                 Configuration conf, BadRows bad) throws IOException {
        return readRowGroup(file, rowGroup, firstRow, seqLen, vocab, false, conf, bad);
    }

    /**
     * As above; with {@code lossMasked} (the manifest says the shards are SFT-masked) the file must
     * have a {@code loss_mask} column, and a row whose mask is missing or not {@code seqLen + 1}
     * long is bad.
     */
    public static List<TokenWindow> readRowGroup(Path file, int rowGroup, long firstRow, int seqLen, int vocab,
                                                 boolean lossMasked, Configuration conf, BadRows bad) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
            MessageType schema = reader.getFileMetaData().getSchema();
            requireColumns(schema, file);
            if (lossMasked && !schema.containsField(LOSS_MASK)) {
                throw new ShardFormatException(file + ": no " + LOSS_MASK + " column, but the manifest says the shards "
                        + "are loss-masked (\"loss_mask\": true)");
            }
            List<Type> fields = new ArrayList<>();
            fields.add(schema.getType(TOKENS));
            boolean hasDomain = schema.containsField(DOMAIN);
            boolean hasStarts = schema.containsField(DOC_STARTS);
            if (hasDomain) {
                fields.add(schema.getType(DOMAIN));
            }
            if (hasStarts) {
                fields.add(schema.getType(DOC_STARTS));
            }
            if (lossMasked) {
                fields.add(schema.getType(LOSS_MASK));
            }
            MessageType projection = new MessageType(schema.getName(), fields);
            reader.setRequestedSchema(projection);
            PageReadStore pages = reader.readRowGroup(rowGroup);
            RecordReader<Group> records = new ColumnIOFactory().getColumnIO(projection)
                    .getRecordReader(pages, new GroupRecordConverter(projection));
            IntList tokens = IntList.of(projection.getType(TOKENS));
            IntList starts = hasStarts ? IntList.of(projection.getType(DOC_STARTS)) : null;
            IntList masks = lossMasked ? IntList.of(projection.getType(LOSS_MASK)) : null;
            List<TokenWindow> out = new ArrayList<>((int) pages.getRowCount());
            for (long i = 0; i < pages.getRowCount(); i++) {
                long row = firstRow + i;
                Group g;
                try {
                    g = records.read();
                } catch (ParquetDecodingException e) {
                    throw new ShardFormatException(file + " row " + row + ": cannot decode: " + e.getMessage(), e);
                }
                int[] ids;
                try {
                    ids = tokens.read(g);
                } catch (IllegalStateException e) {
                    bad.report(file, row, "input_ids holds a null token");
                    out.add(null);
                    continue;
                }
                if (ids == null || ids.length != seqLen + 1) {
                    bad.report(file, row, "input_ids has " + (ids == null ? "no" : ids.length)
                            + " tokens, the manifest's seq_len + 1 is " + (seqLen + 1));
                    out.add(null);
                    continue;
                }
                String problem = checkIds(ids, vocab);
                if (problem != null) {
                    bad.report(file, row, problem);
                    out.add(null);
                    continue;
                }
                byte[] lossMask = null;
                if (masks != null) {
                    int[] flags;
                    try {
                        flags = masks.read(g);
                    } catch (IllegalStateException e) {
                        flags = null;
                    }
                    if (flags == null || flags.length != ids.length) {
                        bad.report(file, row, "loss_mask has " + (flags == null ? "no (or a null)" : flags.length)
                                + " flags, input_ids " + ids.length);
                        out.add(null);
                        continue;
                    }
                    lossMask = new byte[flags.length];
                    for (int k = 0; k < flags.length; k++) {
                        lossMask[k] = (byte) (flags[k] != 0 ? 1 : 0);
                    }
                }
                String domain = hasDomain && g.getFieldRepetitionCount(DOMAIN) > 0 ? g.getString(DOMAIN, 0) : "unknown";
                int[] docStarts = starts == null ? null : starts.read(g);
                out.add(new TokenWindow(ids, domain, docStarts == null ? new int[]{0} : docStarts, lossMask));
            }
            return out;
        }
    }

    private static String checkIds(int[] ids, int vocab) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= vocab) {
                return "token " + ids[i] + " at position " + i + " is outside the vocabulary [0, " + vocab + ")";
            }
        }
        return null;
    }

    private static void requireColumns(MessageType schema, Path file) {
        if (!schema.containsField(TOKENS)) {
            throw new ShardFormatException(file + ": no input_ids column (columns: " + schema.getFields().stream()
                    .map(Type::getName).toList() + "); not a token shard");
        }
    }

    /** Reads a list-of-int32 column in any of Parquet's list layouts. */
    private record IntList(String field, String repeated, String element) {

        static IntList of(Type type) {
            if (type.isPrimitive()) {                                    // repeated int32 input_ids
                return new IntList(type.getName(), null, null);
            }
            GroupType list = type.asGroupType();
            Type rep = list.getType(0);
            if (rep.isPrimitive()) {                                     // two-level: repeated int32 array
                return new IntList(type.getName(), rep.getName(), null);
            }
            return new IntList(type.getName(), rep.getName(), rep.asGroupType().getType(0).getName());
        }

        int[] read(Group row) {
            if (row.getFieldRepetitionCount(field) == 0) {
                return null;
            }
            if (repeated == null) {
                int n = row.getFieldRepetitionCount(field);
                int[] out = new int[n];
                for (int i = 0; i < n; i++) {
                    out[i] = row.getInteger(field, i);
                }
                return out;
            }
            Group list = row.getGroup(field, 0);
            int n = list.getFieldRepetitionCount(repeated);
            int[] out = new int[n];
            for (int i = 0; i < n; i++) {
                if (element == null) {
                    out[i] = list.getInteger(repeated, i);
                } else {
                    Group item = list.getGroup(repeated, i);
                    if (item.getFieldRepetitionCount(element) == 0) {
                        throw new IllegalStateException("null element");
                    }
                    out[i] = item.getInteger(element, 0);
                }
            }
            return out;
        }
    }
}
