package io.lmforge.ingest;

import org.netpreserve.jwarc.WarcRecord;

import java.io.IOException;
import java.util.Set;

/**
 * WET files (Common Crawl's extracted text, gzipped per record): each {@code conversion} record is
 * one input record; its content is the page's text, which must be UTF-8 (a record that is not is
 * quarantined, with the position of the first bad byte). id = WARC-Record-ID, url =
 * WARC-Target-URI; Common Crawl's language guess (WARC-Identified-Content-Language) goes to
 * metadata {@code content_language}. A conversion record that is not text is rejected as
 * {@code not_text}; one without text as {@code empty_text}.
 */
final class WetReader extends WarcRecords {
    private final Utf8 utf8 = new Utf8();

    private WetReader(InputFile file) throws IOException {
        super(file, Set.of("conversion"));
    }

    static RecordReaderFactory factory(SourceConfig source) {
        return WetReader::new;
    }

    @Override
    protected void read(WarcScanner.Record framed, WarcRecord record, RecordSink sink) throws IOException {
        String url = header(record, "WARC-Target-URI");
        RawRecord raw = RawRecord.at(framed.offset()).id(framed.id()).url(url)
                .meta("warc_date", header(record, "WARC-Date"))
                .meta("content_language", header(record, "WARC-Identified-Content-Language"));
        String type = record.contentType().base().toString();
        if (!type.startsWith("text/")) {
            sink.reject(raw.meta("content_type", type), "not_text", type);
            return;
        }
        int length = readBody(record.body());
        String text;
        try {
            text = utf8.decode(payload(), 0, length);
        } catch (Utf8.MalformedException e) {
            sink.quarantine(framed.offset(), "record " + framed.id() + ": " + e.getMessage() + " of its text",
                    file.snippet(new String(payload(), 0, Math.min(length, 256), java.nio.charset.StandardCharsets.UTF_8)));
            return;
        }
        raw.text(text);
        if (text.isBlank()) {
            sink.reject(raw, "empty_text", "the record's text is empty");
        } else {
            sink.keep(raw);
        }
    }
}
