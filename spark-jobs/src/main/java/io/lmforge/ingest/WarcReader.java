package io.lmforge.ingest;

import org.netpreserve.jwarc.HttpResponse;
import org.netpreserve.jwarc.MediaType;
import org.netpreserve.jwarc.MessageBody;
import org.netpreserve.jwarc.WarcRecord;
import org.netpreserve.jwarc.WarcResponse;

import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * WARC files (plain or gzipped per record, as Common Crawl writes them): each {@code response}
 * record is one input record, and so is each {@code resource} record (a document archived without
 * HTTP, as wget and Browsertrix write them) and each {@code revisit} record (a capture whose
 * content was already archived; rejected as {@code revisit}, so it is counted but not doubled).
 *
 * <p>An HTML page (by its Content-Type, or by its first bytes when it has none) with HTTP status
 * 200 becomes a document: id = WARC-Record-ID, url = WARC-Target-URI, title = {@code <title>},
 * text from {@link HtmlText}. Anything else is rejected: {@code http_status} (detail: the status
 * code), {@code not_html} (detail: the content type), {@code empty_text} (a page with no visible
 * text). A payload that cannot be decoded (a bad Content-Encoding) is quarantined.
 */
final class WarcReader extends WarcRecords {
    private static final Set<String> TYPES = Set.of("response", "resource", "revisit");

    private WarcReader(InputFile file) throws IOException {
        super(file, TYPES);
    }

    static RecordReaderFactory factory(SourceConfig source) {
        return WarcReader::new;
    }

    @Override
    protected void read(WarcScanner.Record framed, WarcRecord record, RecordSink sink) throws IOException {
        String url = header(record, "WARC-Target-URI");
        RawRecord raw = RawRecord.at(framed.offset()).id(framed.id()).url(url)
                .meta("warc_date", header(record, "WARC-Date"));
        if (record.type().equals("revisit")) {
            String original = header(record, "WARC-Refers-To-Target-URI");
            sink.reject(raw, "revisit", "a revisit of an earlier capture"
                    + (original == null ? "" : " of " + original) + "; its content is not in this record");
            return;
        }
        MediaType type;
        MessageBody body;
        if (record instanceof WarcResponse response) {
            if (!response.contentType().base().equals(MediaType.HTTP)) {
                sink.reject(raw.meta("content_type", response.contentType().base().toString()), "not_html",
                        response.contentType().base().toString());
                return;
            }
            HttpResponse http = response.http();
            if (http.status() != 200) {
                sink.reject(raw.meta("http_status", Integer.toString(http.status())), "http_status",
                        Integer.toString(http.status()));
                return;
            }
            type = http.headers().first("Content-Type").isPresent() ? http.contentType() : null;
            body = http.bodyDecoded();
        } else {
            type = record.headers().first("Content-Type").isPresent() ? record.contentType() : null;
            body = record.body();
        }
        String base = type == null ? null : type.base().toString().toLowerCase(Locale.ROOT);
        boolean sniff = base == null || base.equals("application/octet-stream");
        boolean html = "text/html".equals(base) || "application/xhtml+xml".equals(base);
        if (!sniff && !html) {
            // Rejected by its type: its body is never read.
            sink.reject(raw.meta("content_type", base), "not_html", base);
            return;
        }
        int length = readBody(body);
        if (length < 0) {
            sink.quarantine(framed.offset(), "record " + framed.id() + ": decoded payload is over the limit of "
                    + file.source().maxRecordBytes() + " bytes (max-record-bytes)", url);
            return;
        }
        if (sniff && !HtmlText.looksLikeHtml(payload(), 0, length)) {
            String shown = base == null ? "none" : base;
            sink.reject(raw.meta("content_type", shown), "not_html", shown);
            return;
        }
        String charset = type == null ? null : type.parameters().get("charset");
        HtmlText.Page page = HtmlText.extract(payload(), 0, length, charset, url);
        raw.title(page.title()).text(page.text()).meta("content_type", base == null ? "text/html" : base)
                .meta("charset", page.charset());
        if (page.text().isBlank()) {
            sink.reject(raw, "empty_text", "no visible text in the page");
        } else {
            sink.keep(raw);
        }
    }
}
