package io.lmforge.ingest;

import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.jsoup.nodes.Element;
import org.jsoup.nodes.Node;
import org.jsoup.nodes.TextNode;
import org.jsoup.select.NodeFilter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.Charset;
import java.util.Locale;
import java.util.Set;

/**
 * The readable text of an HTML page, parsed with jsoup.
 *
 * <p>Charset: a byte-order mark, else the HTTP {@code Content-Type} charset, else
 * {@code <meta charset>} / {@code <meta http-equiv>} in the first 5 KB (jsoup's detection), else
 * UTF-8. Bytes that are not valid in that charset become U+FFFD, as in a browser: web pages are too
 * often mislabelled for a strict decoder to be useful.
 *
 * <p>Boilerplate (scripts, styles, navigation, page headers and footers, sidebars, forms, embedded
 * frames and graphics, hidden elements) is dropped. Block elements end lines, paragraphs and
 * headings end paragraphs, {@code <br>} ends a line, table cells are separated by a tab; inline
 * elements join their text as written, so no two words run together that a browser would show
 * apart. Whitespace collapses as in a browser, except inside {@code <pre>}.
 */
final class HtmlText {

    /** A page's title and text, and the charset its bytes were read with. */
    record Page(String title, String text, String charset) {
    }

    private static final Set<String> DROPPED = Set.of(
            "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form", "iframe",
            "frame", "frameset", "svg", "math", "canvas", "object", "embed", "video", "audio", "map", "button",
            "select", "textarea", "input", "dialog", "menu", "head");
    private static final Set<String> DROPPED_ROLES = Set.of(
            "navigation", "banner", "contentinfo", "complementary", "search", "menu", "menubar", "dialog");
    /** Dropped elements that never take up space on a page. */
    private static final Set<String> INVISIBLE = Set.of("script", "style", "noscript", "template", "head");
    private static final Set<String> INLINE_DROPPED = Set.of("svg", "button", "select", "textarea", "input", "math");
    /** Elements that end a paragraph: a blank line before and after. */
    private static final Set<String> PARAGRAPHS = Set.of(
            "p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "table", "ul", "ol", "dl", "figure",
            "hr", "address", "section", "article", "main", "details", "fieldset");
    /** Elements that end a line. */
    private static final Set<String> LINES = Set.of(
            "div", "li", "dt", "dd", "tr", "caption", "figcaption", "center", "summary", "legend", "option",
            "tbody", "thead", "tfoot", "body", "html", "label");
    private static final Set<String> CELLS = Set.of("td", "th");

    private HtmlText() {
    }

    /**
     * @param charset the HTTP header's charset, or null; an unknown name is ignored
     */
    static Page extract(byte[] bytes, int offset, int length, String charset, String baseUri) throws IOException {
        String known = charset != null && isSupported(charset) ? charset : null;
        Document doc = Jsoup.parse(new ByteArrayInputStream(bytes, offset, length), known,
                baseUri == null ? "" : baseUri);
        String title = doc.title().strip();
        Writer out = new Writer();
        Element body = doc.body();
        body.filter(out);
        return new Page(title.isEmpty() ? null : title, out.text(),
                doc.outputSettings().charset().name().toLowerCase(Locale.ROOT));
    }

    private static boolean isSupported(String charset) {
        try {
            return Charset.isSupported(charset.strip());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** True when the first bytes of a payload look like an HTML document. */
    static boolean looksLikeHtml(byte[] bytes, int offset, int length) {
        int i = offset;
        int limit = offset + Math.min(length, 1024);
        if (limit - i >= 3 && (bytes[i] & 0xff) == 0xEF && (bytes[i + 1] & 0xff) == 0xBB && (bytes[i + 2] & 0xff) == 0xBF) {
            i += 3;
        }
        while (i < limit && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\r' || bytes[i] == '\n')) {
            i++;
        }
        String head = new String(bytes, i, Math.min(limit - i, 16), java.nio.charset.StandardCharsets.ISO_8859_1)
                .toLowerCase(Locale.ROOT);
        return head.startsWith("<!doctype html") || head.startsWith("<html") || head.startsWith("<head")
                || head.startsWith("<body");
    }

    /** Walks the body, writing text with the line and paragraph breaks a reader would see. */
    private static final class Writer implements NodeFilter {
        private final StringBuilder sb = new StringBuilder(4096);
        /** 0: none, 1: line break, 2: paragraph break owed before the next text. */
        private int pendingBreak;
        private boolean pendingSpace;
        private boolean pendingTab;
        private int preDepth;

        @Override
        public FilterResult head(Node node, int depth) {
            if (node instanceof TextNode t) {
                text(t.getWholeText());
                return FilterResult.CONTINUE;
            }
            if (!(node instanceof Element e)) {
                return FilterResult.SKIP_ENTIRELY; // comments, doctypes
            }
            String name = e.normalName();
            if (DROPPED.contains(name) || isHidden(e)) {
                // What a browser would not show still separates the text around it, unless it
                // never takes up space (a script between two halves of a word).
                if (INLINE_DROPPED.contains(name)) {
                    pendingSpace = true;
                } else if (!INVISIBLE.contains(name)) {
                    pendingBreak = Math.max(pendingBreak, 1);
                }
                return FilterResult.SKIP_ENTIRELY;
            }
            if (name.equals("br")) {
                pendingBreak = Math.min(2, pendingBreak + 1);
                return FilterResult.CONTINUE;
            }
            breakFor(name);
            if (name.equals("pre")) {
                preDepth++;
            }
            return FilterResult.CONTINUE;
        }

        @Override
        public FilterResult tail(Node node, int depth) {
            if (node instanceof Element e) {
                String name = e.normalName();
                if (name.equals("pre")) {
                    preDepth--;
                }
                breakFor(name);
            }
            return FilterResult.CONTINUE;
        }

        private void breakFor(String name) {
            if (PARAGRAPHS.contains(name)) {
                pendingBreak = 2;
            } else if (LINES.contains(name)) {
                pendingBreak = Math.max(pendingBreak, 1);
            } else if (CELLS.contains(name)) {
                pendingTab = true;
            }
        }

        private static boolean isHidden(Element e) {
            if (e.attributesSize() == 0) {
                return false;
            }
            if (e.hasAttr("hidden") || "true".equalsIgnoreCase(e.attr("aria-hidden"))) {
                return true;
            }
            String role = e.attr("role");
            return !role.isEmpty() && DROPPED_ROLES.contains(role.toLowerCase(Locale.ROOT));
        }

        private void text(String s) {
            if (preDepth > 0) {
                if (!s.isEmpty()) {
                    flush();
                    sb.append(s);
                }
                return;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
                    pendingSpace = true;
                } else {
                    flush();
                    sb.append(c);
                }
            }
        }

        /** Writes the break or space owed before the next visible character. */
        private void flush() {
            if (sb.length() == 0) {
                pendingBreak = 0;
                pendingSpace = false;
                pendingTab = false;
                return;
            }
            if (pendingBreak > 0) {
                trimTrailingSpaces();
                sb.append(pendingBreak == 2 ? "\n\n" : "\n");
            } else if (pendingTab) {
                trimTrailingSpaces();
                sb.append('\t');
            } else if (pendingSpace && sb.charAt(sb.length() - 1) != '\n') {
                sb.append(' ');
            }
            pendingBreak = 0;
            pendingSpace = false;
            pendingTab = false;
        }

        private void trimTrailingSpaces() {
            int n = sb.length();
            while (n > 0 && (sb.charAt(n - 1) == ' ' || sb.charAt(n - 1) == '\t')) {
                n--;
            }
            sb.setLength(n);
        }

        String text() {
            trimTrailingSpaces();
            return sb.toString();
        }
    }
}
