package io.lmforge.ingest;

import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.MessageColumnIO;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Parquet files, one input record per row, read with parquet-mr one row group at a time and only
 * the columns named below (projection: a wide table costs no more than its text column).
 *
 * <p>Options: {@code text-column} (default {@code text}, must exist and be a string),
 * {@code id-column} (default {@code id}), {@code url-column} (default {@code url}),
 * {@code title-column} (default {@code title}), used when the file has them; {@code domain-column}
 * (no default) gives each row its own domain. A column named explicitly in the config must
 * exist. The offset is the row's index in the file.
 *
 * <p>A file that is not Parquet, or lacks a required column, or has it with a type that is not a
 * string, is one quarantine row naming the file, the column and the row count it held. A null or
 * blank text is rejected as {@code empty_text}; a text over the size limit or not valid UTF-8 is
 * quarantined; a row group that fails to decode quarantines the rest of the file from its first row.
 */
final class ParquetReader implements RecordReader {
    private enum Role { TEXT, ID, URL, TITLE, DOMAIN, LANG, PATH, LICENSE }

    private final InputFile file;
    private final ParquetFileReader reader;
    private final MessageType projection;
    /** Field index in the projection for each role present. */
    private final Map<Role, Integer> fields = new LinkedHashMap<>();
    private final Map<Role, String> names = new LinkedHashMap<>();
    private final Utf8 utf8 = new Utf8();
    private org.apache.parquet.io.RecordReader<Group> rows;
    private long rowsLeftInGroup;
    private long row;
    private String fileProblem;
    private boolean done;
    private final CodeRecords code;

    private ParquetReader(InputFile file) throws IOException {
        this.file = file;
        SourceConfig s = file.source();
        this.code = CodeRecords.of(s);
        ParquetFileReader opened;
        try {
            opened = ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file.path()), file.hadoop()));
        } catch (IOException | RuntimeException e) {
            opened = null;
            fileProblem = "not a readable Parquet file: " + FileRecords.describe(e);
        }
        this.reader = opened;
        if (reader == null) {
            projection = null;
            return;
        }
        MessageType schema = reader.getFooter().getFileMetaData().getSchema();
        List<Type> columns = new ArrayList<>();
        resolve(schema, columns, Role.TEXT, s.option("text-column", "text"), true);
        resolve(schema, columns, Role.ID, s.option("id-column", "id"), s.options().containsKey("id-column"));
        resolve(schema, columns, Role.URL, s.option("url-column", "url"), s.options().containsKey("url-column"));
        resolve(schema, columns, Role.TITLE, s.option("title-column", "title"), s.options().containsKey("title-column"));
        String domain = s.option("domain-column", null);
        if (domain != null) {
            resolve(schema, columns, Role.DOMAIN, domain, true);
        }
        if (code != null) {
            // Records of code: the language, path and license columns, when the file has them
            // (required when named in the config).
            resolve(schema, columns, Role.LANG, code.langField, s.options().containsKey("lang-field"));
            resolve(schema, columns, Role.PATH, code.pathField, s.options().containsKey("path-field"));
            resolve(schema, columns, Role.LICENSE, code.licenseField, s.options().containsKey("license-field"));
        }
        projection = fileProblem == null ? new MessageType(schema.getName(), columns) : null;
        if (projection != null) {
            reader.setRequestedSchema(projection);
        }
    }

    static RecordReaderFactory factory(SourceConfig source) {
        CodeRecords.of(source);   // checks the options
        return ParquetReader::new;
    }

    /** Adds a role's column to the projection; a missing or unusable required one makes the file a problem. */
    private void resolve(MessageType schema, List<Type> columns, Role role, String name, boolean required) {
        if (fileProblem != null) {
            return;
        }
        String option = role.name().toLowerCase(java.util.Locale.ROOT)
                + (role.ordinal() >= Role.LANG.ordinal() ? "-field" : "-column");
        if (!schema.containsField(name)) {
            if (required) {
                fileProblem = "column '" + name + "' (" + option + ") not found; the file's columns are "
                        + schema.getFields().stream().map(Type::getName).collect(Collectors.joining(", "));
            }
            return;
        }
        Type type = schema.getType(name);
        boolean scalar = type.isPrimitive() && type.getRepetition() != Type.Repetition.REPEATED;
        boolean string = scalar && type.asPrimitiveType().getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY;
        boolean usable = role == Role.ID ? scalar : string;
        if (!usable) {
            if (required || role == Role.TEXT) {
                fileProblem = "column '" + name + "' (" + option + ") is " + type.toString().trim()
                        + ", not " + (role == Role.ID ? "a scalar" : "a string");
            }
            return;
        }
        fields.put(role, columns.size());
        names.put(role, name);
        columns.add(type);
    }

    @Override
    public boolean next(RecordSink sink) throws IOException {
        if (done) {
            return false;
        }
        if (fileProblem != null) {
            long count = reader == null ? -1 : reader.getRecordCount();
            sink.quarantine(0, fileProblem + (count >= 0 ? "; its " + count + " rows were not read" : ""), null);
            done = true;
            return true;
        }
        while (rowsLeftInGroup == 0) {
            PageReadStore group = reader.readNextRowGroup();
            if (group == null) {
                done = true;
                return false;
            }
            rowsLeftInGroup = group.getRowCount();
            MessageColumnIO io = new ColumnIOFactory().getColumnIO(projection);
            rows = io.getRecordReader(group, new GroupRecordConverter(projection));
        }
        Group g = rows.read();
        long index = row++;
        rowsLeftInGroup--;
        RawRecord record = RawRecord.at(index)
                .id(scalar(g, Role.ID))
                .url(string(g, Role.URL))
                .title(string(g, Role.TITLE))
                .domain(string(g, Role.DOMAIN));
        Binary text = binary(g, Role.TEXT);
        String where = "row " + index + ": column '" + names.get(Role.TEXT) + "' ";
        if (text == null) {
            sink.reject(record, "empty_text", "text column '" + names.get(Role.TEXT) + "' is null");
            return true;
        }
        if (text.length() > file.source().maxRecordBytes()) {
            sink.quarantine(index, where + "holds " + text.length() + " bytes, over the limit of "
                    + file.source().maxRecordBytes() + " bytes (max-record-bytes)", null);
            return true;
        }
        ByteBuffer bytes = text.toByteBuffer();
        byte[] array;
        int offset;
        if (bytes.hasArray()) {
            array = bytes.array();
            offset = bytes.arrayOffset() + bytes.position();
        } else {
            array = text.getBytes();
            offset = 0;
        }
        try {
            record.text(utf8.decode(array, offset, text.length()));
        } catch (Utf8.MalformedException e) {
            sink.quarantine(index, where + e.getMessage(), null);
            return true;
        }
        if (record.text().isBlank()) {
            sink.reject(record, "empty_text", "text column '" + names.get(Role.TEXT) + "' is blank");
        } else if (code == null || code.admit(record, string(g, Role.LANG), string(g, Role.PATH),
                string(g, Role.LICENSE), sink)) {
            sink.keep(record);
        }
        return true;
    }

    private Binary binary(Group g, Role role) {
        Integer field = fields.get(role);
        if (field == null || g.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        return g.getBinary(field, 0);
    }

    private String string(Group g, Role role) {
        Binary b = binary(g, role);
        return b == null ? null : b.toStringUsingUTF8();
    }

    /** Ids may be numbers: any scalar, as text. */
    private String scalar(Group g, Role role) {
        Integer field = fields.get(role);
        if (field == null || g.getFieldRepetitionCount(field) == 0) {
            return null;
        }
        PrimitiveType type = projection.getType(field).asPrimitiveType();
        return type.getPrimitiveTypeName() == PrimitiveType.PrimitiveTypeName.BINARY
                ? g.getBinary(field, 0).toStringUsingUTF8()
                : g.getValueToString(field, 0);
    }

    @Override
    public long position() {
        return row;
    }

    @Override
    public void close() throws IOException {
        if (reader != null) {
            reader.close();
        }
    }
}
