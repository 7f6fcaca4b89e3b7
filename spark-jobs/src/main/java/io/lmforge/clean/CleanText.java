package io.lmforge.clean;

import org.apache.spark.sql.catalyst.util.CollationAwareUTF8String;
import org.apache.spark.unsafe.types.UTF8String;

import java.io.Serializable;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The {@code jvm} engine of {@link CleanStage}: the same rules in the same order on one Java
 * string, called once per document, instead of one Spark expression per rule (each of which
 * decodes the UTF-8 text to a Java string and encodes its result back). The rules that touch
 * every document (line breaks and control characters, collapsing blanks, blank lines, the ends
 * of the text) are hand-written scans that reproduce their regexes exactly; the optional rules
 * run the stage's own regexes with {@code java.util.regex}, which is what Spark's
 * {@code regexp_replace} runs. {@code CleanEnginesTest} compares both engines on real text.
 */
final class CleanText implements Serializable {
    private static final Pattern ENTITY = Pattern.compile(CleanStage.ENTITY);
    private static final Pattern URL = Pattern.compile(CleanStage.URL);
    private static final Pattern PUNCTUATION = Pattern.compile(CleanStage.PUNCTUATION);

    private final CleanSettings settings;
    private final boolean icuLower;
    private final Set<String> stopwords;

    CleanText(CleanSettings settings, boolean icuLower) {
        this.settings = settings;
        this.icuLower = icuLower;
        this.stopwords = new HashSet<>();
        for (String w : settings.stopwords()) {
            stopwords.add(w.toLowerCase(Locale.ROOT));
        }
    }

    String clean(String t, Boolean prose) {
        if (t == null) {
            return null;
        }
        return Boolean.TRUE.equals(prose) ? prose(t) : code(t);
    }

    String prose(String t) {
        if (settings.decodeEntities() && t.indexOf('&') >= 0 && ENTITY.matcher(t).find()) {
            t = TextUdfs.unescape(t);
        }
        if (settings.nfkc() && !ascii(t)) {
            t = TextUdfs.nfkc(t);
        }
        if (settings.removeControl()) {
            t = lineBreaksAndControls(t);
        }
        if (settings.removeUrls()) {
            t = URL.matcher(t).replaceAll("");
        }
        if (settings.lowercase()) {
            t = lower(t);
        }
        if (settings.removePunctuation()) {
            t = PUNCTUATION.matcher(t).replaceAll("");
        }
        if (settings.removeStopwords()) {
            t = withoutStopwords(t);
        }
        if (settings.collapseSpaces()) {
            t = trimEnds(collapseBlankLines(collapseBlanks(t)));
        }
        return t;
    }

    /** CleanStage.code: CRLF and CR become LF, C0 controls but tab, LF and FF, DEL and BOM go. */
    String code(String t) {
        if (!settings.removeControl()) {
            return t;
        }
        StringBuilder out = null;
        int n = t.length();
        for (int i = 0; i < n; i++) {
            char c = t.charAt(i);
            boolean drop = c <= 0x08 || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || c == 0xFEFF;
            if (c == '\r' || drop) {
                if (out == null) {
                    out = new StringBuilder(n).append(t, 0, i);
                }
                if (c == '\r') {
                    out.append('\n');
                    if (i + 1 < n && t.charAt(i + 1) == '\n') {
                        i++;
                    }
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? t : out.toString();
    }

    private static boolean ascii(String t) {
        for (int i = 0; i < t.length(); i++) {
            if (t.charAt(i) >= 0x80) {
                return false;
            }
        }
        return true;
    }

    /** regexp_replace(LINE_BREAK, "\n") then regexp_replace(CONTROL, ""). */
    static String lineBreaksAndControls(String t) {
        StringBuilder out = null;
        int n = t.length();
        for (int i = 0; i < n; i++) {
            char c = t.charAt(i);
            boolean lineBreak = c == '\r' || c == 0x0B || c == 0x0C || c == 0x0085 || c == 0x2028 || c == 0x2029;
            boolean control = !lineBreak && (c <= 0x08 || (c >= 0x0E && c <= 0x1F) || (c >= 0x7F && c <= 0x9F)
                    || c == 0x200B || c == 0x2060 || c == 0xFEFF || c == 0x00AD);
            if (lineBreak || control) {
                if (out == null) {
                    out = new StringBuilder(n).append(t, 0, i);
                }
                if (lineBreak) {
                    out.append('\n');
                    if (c == '\r' && i + 1 < n && t.charAt(i + 1) == '\n') {
                        i++;
                    }
                }
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? t : out.toString();
    }

    /**
     * {@code ([^ \t\n])[ \t]+ -> "$1 "} then {@code [ \t]+\n -> "\n"}: a run of blanks before a
     * line break goes; one after a character other than a line break becomes one space; one at the
     * start of the text or of a line (indentation) stays.
     */
    static String collapseBlanks(String t) {
        int n = t.length();
        StringBuilder out = new StringBuilder(n);
        boolean changed = false;
        for (int i = 0; i < n; ) {
            char c = t.charAt(i);
            if (c != ' ' && c != '\t') {
                out.append(c);
                i++;
                continue;
            }
            int end = i;
            while (end < n && (t.charAt(end) == ' ' || t.charAt(end) == '\t')) {
                end++;
            }
            if (end < n && t.charAt(end) == '\n') {
                changed = true;
            } else if (i == 0 || t.charAt(i - 1) == '\n') {
                out.append(t, i, end);
            } else {
                changed |= end - i != 1 || c != ' ';
                out.append(' ');
            }
            i = end;
        }
        return changed ? out.toString() : t;
    }

    /** {@code \n{3,} -> "\n\n"}. */
    static String collapseBlankLines(String t) {
        if (!t.contains("\n\n\n")) {
            return t;
        }
        int n = t.length();
        StringBuilder out = new StringBuilder(n);
        for (int i = 0; i < n; ) {
            char c = t.charAt(i);
            if (c != '\n') {
                out.append(c);
                i++;
                continue;
            }
            int end = i;
            while (end < n && t.charAt(end) == '\n') {
                end++;
            }
            out.append(t, i, end - i >= 3 ? i + 2 : end);
            i = end;
        }
        return out.toString();
    }

    /** Java regex {@code \s}. */
    private static boolean space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    /**
     * {@code ^\s*\n|\s+$ -> ""}: leading blank lines (up to the last line break of the leading
     * whitespace) and trailing whitespace, where {@code $} is the end of the text or the place
     * before a final line terminator.
     */
    static String trimEnds(String t) {
        int n = t.length();
        int from = 0;
        int lead = 0;
        while (lead < n && space(t.charAt(lead))) {
            lead++;
        }
        int lastBreak = t.lastIndexOf('\n', lead - 1);
        if (lead > 0 && lastBreak >= 0) {
            from = lastBreak + 1;
        }
        // The first whitespace run at or after `from` that reaches a $ position.
        int cut = -1;
        int cutEnd = -1;
        for (int p = from; p < n; ) {
            if (!space(t.charAt(p))) {
                p++;
                continue;
            }
            int q = p;
            while (q < n && space(t.charAt(q))) {
                q++;
            }
            char last = t.charAt(n - 1);
            if (q == n || (q == n - 1 && (last == 0x0085 || last == 0x2028 || last == 0x2029))) {
                cut = p;
                cutEnd = q;
                break;
            }
            p = q;
        }
        if (from == 0 && cut < 0) {
            return t;
        }
        StringBuilder out = new StringBuilder(n);
        if (cut < 0) {
            return t.substring(from);
        }
        out.append(t, from, cut).append(t, cutEnd, n);
        return out.toString();
    }

    /** Spark's {@code lower}: ICU's or the JDK's case mapping, as spark.sql.icu.caseMappings.enabled says. */
    private String lower(String s) {
        UTF8String u = UTF8String.fromString(s);
        return (icuLower ? CollationAwareUTF8String.toLowerCase(u) : u.toLowerCase()).toString();
    }

    /** CleanStage.withoutStopwords: per line, per space-separated token, as Spark's split and filter do. */
    private String withoutStopwords(String t) {
        String[] lines = t.split("\\n", -1);
        StringBuilder out = new StringBuilder(t.length());
        for (int l = 0; l < lines.length; l++) {
            if (l > 0) {
                out.append('\n');
            }
            boolean first = true;
            for (String w : lines[l].split(" ", -1)) {
                if (stopwords.contains(lower(PUNCTUATION.matcher(w).replaceAll("")))) {
                    continue;
                }
                if (!first) {
                    out.append(' ');
                }
                out.append(w);
                first = false;
            }
        }
        return out.toString();
    }
}
