package io.lmforge.ingest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.Iterator;
import java.util.Map;

/**
 * JSON Lines, plain or compressed (.gz, .bz2, .zst). A line's text is its {@code text} field
 * (option {@code text-field}), or else the {@code context} and {@code response} pair of the
 * source documents' format, joined by a blank line. A {@code metadata} object's {@code domain}
 * overrides the source's domain; its other scalar fields (difficulty...) go to the row's
 * metadata.
 *
 * <p>Offsets are byte offsets in the decompressed stream; errors name the line number too.
 * Blank lines are not records. A line that is not valid UTF-8, not JSON, not an object, has no
 * text or is over the size limit is quarantined and the lines after it are read on.
 */
final class JsonlReader implements RecordReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InputFile file;
    private final LineReader lines;
    private final InputStream in;
    private final String textField;
    private final String idField;
    private final CodeRecords code;

    private JsonlReader(InputFile file) throws IOException {
        this.file = file;
        this.in = file.openDecompressed();
        this.lines = new LineReader(in, file.source().maxRecordBytes());
        this.textField = file.source().option("text-field", "text");
        this.idField = file.source().option("id-field", "id");
        this.code = CodeRecords.of(file.source());
    }

    static RecordReaderFactory factory(SourceConfig source) {
        CodeRecords.of(source);   // checks the options
        return JsonlReader::new;
    }

    @Override
    public long position() {
        return lines.offset();
    }

    @Override
    public boolean next(RecordSink sink) throws IOException {
        LineReader.Line line;
        do {
            line = lines.next();
            if (line == null) {
                return false;
            }
        } while (line.ok() && line.text().isBlank());

        String where = "line " + line.number() + ": ";
        if (!line.ok()) {
            sink.quarantine(line.offset(), where + line.error(), file.snippet(line.rawPrefix()));
            return true;
        }
        JsonNode node;
        try {
            node = JSON.readTree(line.text());
        } catch (JsonProcessingException e) {
            sink.quarantine(line.offset(), where + "malformed JSON: " + e.getOriginalMessage(),
                    file.snippet(line.text()));
            return true;
        }
        if (node == null || !node.isObject()) {
            sink.quarantine(line.offset(), where + "expected a JSON object, got "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase()), file.snippet(line.text()));
            return true;
        }
        String text;
        try {
            text = textOf(node);
        } catch (IllegalArgumentException e) {
            sink.quarantine(line.offset(), where + e.getMessage(), file.snippet(line.text()));
            return true;
        }
        RawRecord record = RawRecord.at(line.offset())
                .id(scalar(node.get(idField)))
                .url(scalar(node.get("url")))
                .title(scalar(node.get("title")))
                .text(text)
                .meta("line", Long.toString(line.number()));
        JsonNode metadata = node.get("metadata");
        if (metadata != null && metadata.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = metadata.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("domain")) {
                    record.domain(scalar(e.getValue()));
                } else {
                    record.meta(e.getKey(), scalar(e.getValue()));
                }
            }
        }
        if (text.isBlank()) {
            sink.reject(record, "empty_text", "the record's text is empty");
        } else if (code == null || code.admit(record, field(node, code.langField), field(node, code.pathField),
                field(node, code.licenseField), sink)) {
            sink.keep(record);
        }
        return true;
    }

    private String textOf(JsonNode node) {
        JsonNode text = node.get(textField);
        if (text != null && !text.isNull()) {
            if (!text.isTextual()) {
                throw new IllegalArgumentException("field '" + textField + "' is a "
                        + text.getNodeType().name().toLowerCase() + ", not a string");
            }
            return text.asText();
        }
        JsonNode context = node.get("context");
        JsonNode response = node.get("response");
        if (context != null && response != null && context.isTextual() && response.isTextual()) {
            return context.asText() + "\n\n" + response.asText();
        }
        throw new IllegalArgumentException("no text: expected a '" + textField
                + "' string or a 'context'/'response' pair of strings");
    }

    /** A top-level field, else the same field of the record's {@code metadata} object. */
    private static String field(JsonNode node, String name) {
        String top = scalar(node.get(name));
        if (top != null) {
            return top;
        }
        JsonNode metadata = node.get("metadata");
        return metadata != null && metadata.isObject() ? scalar(metadata.get(name)) : null;
    }

    /** Strings as they are, numbers and booleans as text, anything else null. */
    private static String scalar(JsonNode node) {
        if (node == null || node.isNull() || node.isContainerNode()) {
            return null;
        }
        return node.asText();
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
