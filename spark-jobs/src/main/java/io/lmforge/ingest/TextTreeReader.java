package io.lmforge.ingest;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Trees of plain text and Markdown files (format {@code text}): each file is one document. The
 * title is a Markdown file's first heading ({@code # Title} or a {@code Title}/{@code ===}
 * setext heading), else the file name without its extension. Files may be compressed
 * ({@code notes.txt.gz}); see {@link TreeFileReader} for size, encoding and binary files.
 */
final class TextTreeReader extends TreeFileReader {
    private static final Pattern ATX = Pattern.compile("^ {0,3}#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$", Pattern.MULTILINE);
    private static final Pattern SETEXT = Pattern.compile("^ {0,3}(\\S[^\\n]*?)[ \t]*\\n {0,3}(=+|-+)[ \t]*$", Pattern.MULTILINE);

    private TextTreeReader(InputFile file) {
        super(file);
    }

    static RecordReaderFactory factory(SourceConfig source) {
        return TextTreeReader::new;
    }

    @Override
    protected void read(RawRecord record, RecordSink sink) {
        String name = Compression.forName(file.path()).strip(baseName());
        String title = isMarkdown(name) ? markdownTitle(record.text()) : null;
        if (title == null) {
            int dot = name.lastIndexOf('.');
            title = dot > 0 ? name.substring(0, dot) : name;
        }
        sink.keep(record.title(title));
    }

    private static boolean isMarkdown(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        return lower.endsWith(".md") || lower.endsWith(".markdown") || lower.endsWith(".mdown") || lower.endsWith(".mkd");
    }

    /** The first heading, whichever style comes first; null when there is none. */
    static String markdownTitle(String text) {
        Matcher atx = ATX.matcher(text);
        Matcher setext = SETEXT.matcher(text);
        int atxAt = atx.find() ? atx.start() : Integer.MAX_VALUE;
        int setextAt = setext.find() ? setext.start() : Integer.MAX_VALUE;
        if (atxAt == Integer.MAX_VALUE && setextAt == Integer.MAX_VALUE) {
            return null;
        }
        return (atxAt <= setextAt ? atx.group(1) : setext.group(1)).strip();
    }
}
