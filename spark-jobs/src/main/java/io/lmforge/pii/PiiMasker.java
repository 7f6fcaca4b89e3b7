package io.lmforge.pii;

import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import com.google.i18n.phonenumbers.PhoneNumberMatch;
import com.google.i18n.phonenumbers.PhoneNumberUtil;

import java.io.Serializable;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds personal data and secrets in a text and replaces each with a placeholder. Plain Java, no
 * Spark: {@link PiiStage} runs it as a UDF, {@code lmforge bench pii} measures it directly.
 *
 * <p>Each kind is a candidate regex plus a check that regexes cannot express: Luhn and a real
 * card network for cards, the GB 11643 check character and a real birth date for Chinese IDs,
 * the public suffix list (Guava) for e-mail domains, a public (routable) address for IPs, and
 * Google's libphonenumber numbering plans for phone numbers. Where finds overlap, the kind
 * listed first in {@link PiiKind} wins.
 */
public final class PiiMasker implements Serializable {
    private static final Pattern PRIVATE_KEY = Pattern.compile(
            "-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----[\\s\\S]*?-----END ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----");
    /** Cloud keys and service tokens with fixed, documented prefixes. */
    private static final Pattern SECRET = Pattern.compile("(?<![A-Za-z0-9])("
            + "(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|AROA|APKA|ASCA)[A-Z0-9]{16}"   // AWS access key ids
            + "|gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}"               // GitHub tokens
            + "|xox[abposr]-[A-Za-z0-9-]{10,250}"                                            // Slack tokens
            + "|AIza[0-9A-Za-z_-]{35}"                                                       // Google API keys
            + "|[sr]k_live_[0-9A-Za-z]{24,99}"                                               // Stripe live keys
            + "|glpat-[0-9A-Za-z_-]{20}"                                                     // GitLab tokens
            + ")(?![A-Za-z0-9])"
            + "|https://hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+");
    /** An AWS secret access key: 40 base64 characters, only next to a name that says so. */
    private static final Pattern AWS_SECRET = Pattern.compile(
            "(?i)aws_?secret(?:_access)?_?key[\"']?\\s*[:=]\\s*[\"']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])");
    private static final Pattern EMAIL = Pattern.compile(
            "(?<![A-Za-z0-9._%+-])[A-Za-z0-9_%+-](?:[A-Za-z0-9._%+-]{0,62}[A-Za-z0-9_%+-])?"
                    + "@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,24})(?![A-Za-z0-9-])");
    private static final Pattern CARD = Pattern.compile("(?<![0-9A-Za-z.+-])\\d(?:[ -]?\\d){11,18}(?![0-9A-Za-z]|[.-]\\d)");
    private static final Pattern CN_ID = Pattern.compile(
            "(?<![0-9A-Za-z])[1-8]\\d{5}(?:18|19|20)\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])\\d{3}[0-9Xx](?![0-9A-Za-z])");
    private static final Pattern IPV4 = Pattern.compile(
            "(?<![\\w.])(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(?!\\.?\\d|\\w)");
    private static final Pattern IPV6 = Pattern.compile(
            "(?<![\\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\\d{1,3}\\.){3}\\d{1,3})?(?![\\w:])");
    /** A Chinese mobile number written as eleven bare digits, the common way in Chinese text. */
    private static final Pattern CN_MOBILE = Pattern.compile("^(?:\\+?86[ -]?)?1[3-9]\\d[ -]?\\d{4}[ -]?\\d{4}$");

    private final Set<PiiKind> kinds;
    private final List<String> phoneRegions;

    public PiiMasker(Set<PiiKind> kinds, List<String> phoneRegions) {
        this.kinds = kinds.isEmpty() ? EnumSet.noneOf(PiiKind.class) : EnumSet.copyOf(kinds);
        this.phoneRegions = List.copyOf(phoneRegions);
    }

    public static PiiMasker all() {
        return new PiiMasker(EnumSet.allOf(PiiKind.class), List.of("US", "CN"));
    }

    /** The masked text and the count of each kind replaced (kinds with none left out). */
    public record Result(String text, Map<String, Integer> counts) {
    }

    private record Find(int start, int end, PiiKind kind, String replacement) {
    }

    public Result mask(String text) {
        if (text == null || text.isEmpty()) {
            return new Result(text, Map.of());
        }
        List<Find> accepted = new ArrayList<>();
        BitSet taken = new BitSet(text.length());
        for (PiiKind kind : PiiKind.values()) {
            if (!kinds.contains(kind)) {
                continue;
            }
            for (Find f : find(kind, text)) {
                if (taken.get(f.start(), f.end()).isEmpty()) {
                    taken.set(f.start(), f.end());
                    accepted.add(f);
                }
            }
        }
        if (accepted.isEmpty()) {
            return new Result(text, Map.of());
        }
        accepted.sort(Comparator.comparingInt(Find::start));
        StringBuilder out = new StringBuilder(text.length());
        Map<String, Integer> counts = new LinkedHashMap<>();
        int at = 0;
        for (Find f : accepted) {
            out.append(text, at, f.start()).append(f.replacement());
            at = f.end();
            counts.merge(f.kind().key(), 1, Integer::sum);
        }
        out.append(text, at, text.length());
        return new Result(out.toString(), counts);
    }

    /**
     * Each kind's finds. A detector runs only where its regex can match: behind a prefilter that is
     * a necessary condition of a match (a literal the match must contain, a run of digits it must
     * have), and for the commonest kinds only over candidate regions, the maximal runs of the
     * characters a match consists of that hold what it needs (an {@code @}, two colons, three
     * dots). A region is searched with transparent bounds, so look-behind and look-ahead see the
     * text around it, and from where the previous find ended: the finds are those of a search over
     * the whole text ({@code PiiMaskerEqualityTest} compares with the masker without prefilters).
     */
    private List<Find> find(PiiKind kind, String text) {
        List<Find> out = new ArrayList<>();
        switch (kind) {
            case PRIVATE_KEY -> {
                if (text.contains("PRIVATE KEY")) {
                    matches(PRIVATE_KEY, text, 0, kind, out, m -> true);
                }
            }
            case SECRET -> {
                if (secretAnchor(text)) {
                    matches(SECRET, text, 0, kind, out, m -> true);
                }
                if (containsIgnoreAsciiCase(text, "secret")) {
                    matches(AWS_SECRET, text, 1, kind, out, m -> true);
                }
            }
            case EMAIL -> {
                if (text.indexOf('@') >= 0) {
                    regions(EMAIL, text, kind, out, EMAIL_CHARS, '@', 1, 0, m -> publicDomain(m.group(1)));
                }
            }
            case CN_ID -> {
                if (longestDigitRun(text) >= 17) {
                    matches(CN_ID, text, 0, kind, out, m -> Checksums.chineseId(m.group()));
                }
            }
            case IPV4 -> regions(IPV4, text, kind, out, IPV4_CHARS, '.', 3, 4,
                    m -> publicAddress(m.group()) && !sectionNumber(text, m));
            case IPV6 -> {
                if (text.indexOf(':') >= 0) {
                    regions(IPV6, text, kind, out, IPV6_CHARS,
                            ':', 2, 0, m -> ipv6(m.group()));
                }
            }
            case CARD -> {
                if (longestCardChain(text) < 12) {
                    return out;
                }
                Matcher m = CARD.matcher(text);
                while (m.find()) {
                    String digits = m.group().replaceAll("[ -]", "");
                    if (digits.length() >= 13 && Checksums.luhn(digits) && Checksums.cardNetwork(digits)) {
                        out.add(new Find(m.start(), m.end(), kind, Checksums.maskCard(digits)));
                    }
                }
            }
            case PHONE -> phones(text, out);
        }
        return out;
    }

    private interface Check {
        boolean ok(Matcher m);
    }

    /**
     * An ASCII character class as a table: {@link #regions} tests every character of every text,
     * and a lambda per class there made its call site megamorphic (the JIT compiled it differently
     * from one JVM to the next, up to five times slower).
     */
    private static final class CharClass {
        private final boolean[] ascii = new boolean[128];

        CharClass(java.util.function.IntPredicate member) {
            for (int c = 0; c < 128; c++) {
                ascii[c] = member.test(c);
            }
        }

        boolean has(char c) {
            return c < 128 && ascii[c];
        }
    }

    /** The characters of an e-mail address: local part, {@code @}, domain. */
    private static final CharClass EMAIL_CHARS = new CharClass(c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '@');
    private static final CharClass IPV4_CHARS = new CharClass(c -> (c >= '0' && c <= '9') || c == '.');
    private static final CharClass IPV6_CHARS = new CharClass(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');

    /**
     * The finds of {@code p} in the maximal runs of {@code chars} that hold at least {@code minMarks}
     * {@code mark}s and {@code minDigits} ASCII digits: every character of a match is in
     * {@code chars} and a match holds that many, so these are all the matches of a whole-text search.
     */
    private static void regions(Pattern p, String text, PiiKind kind, List<Find> out, CharClass chars, char mark,
                                int minMarks, int minDigits, Check check) {
        Matcher m = null;
        int searched = 0;
        int n = text.length();
        for (int i = 0; i < n; ) {
            if (!chars.has(text.charAt(i))) {
                i++;
                continue;
            }
            int start = i;
            int marks = 0;
            int digits = 0;
            for (; i < n && chars.has(text.charAt(i)); i++) {
                char c = text.charAt(i);
                marks += c == mark ? 1 : 0;
                digits += c >= '0' && c <= '9' ? 1 : 0;
            }
            if (marks < minMarks || digits < minDigits || i <= searched) {
                continue;
            }
            if (m == null) {
                m = p.matcher(text).useTransparentBounds(true).useAnchoringBounds(false);
            }
            m.region(Math.max(start, searched), i);
            while (m.find()) {
                searched = m.end();
                if (check.ok(m)) {
                    out.add(new Find(m.start(), m.end(), kind, kind.placeholder()));
                }
            }
        }
    }

    /** Literals one of SECRET's alternatives must contain; AWS key ids are 20 upper-case letters and digits. */
    private static final String[] SECRET_LITERALS = {"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox",
            "AIza", "k_live_", "glpat-", "https://hooks.slack.com/services/"};

    private static boolean secretAnchor(String text) {
        for (String literal : SECRET_LITERALS) {
            if (text.contains(literal)) {
                return true;
            }
        }
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
                if (++run >= 20) {
                    return true;
                }
            } else {
                run = 0;
            }
        }
        return false;
    }

    /** {@code (?i)} without UNICODE_CASE: ASCII letters match either case. */
    static boolean containsIgnoreAsciiCase(String text, String lowerNeedle) {
        int n = lowerNeedle.length();
        for (int i = 0; i + n <= text.length(); i++) {
            int k = 0;
            while (k < n) {
                char c = text.charAt(i + k);
                if (c >= 'A' && c <= 'Z') {
                    c += 32;
                }
                if (c != lowerNeedle.charAt(k)) {
                    break;
                }
                k++;
            }
            if (k == n) {
                return true;
            }
        }
        return false;
    }

    private static int longestDigitRun(String text) {
        int best = 0;
        int run = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            run = c >= '0' && c <= '9' ? run + 1 : 0;
            best = Math.max(best, run);
        }
        return best;
    }

    /** CARD's {@code \d(?:[ -]?\d)*}: the most digits joined by at most one space or hyphen each. */
    private static int longestCardChain(String text) {
        int best = 0;
        int chain = 0;
        int lastDigit = -3;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                boolean joined = lastDigit == i - 1 || (lastDigit == i - 2 && (text.charAt(i - 1) == ' ' || text.charAt(i - 1) == '-'));
                chain = joined ? chain + 1 : 1;
                lastDigit = i;
                best = Math.max(best, chain);
            }
        }
        return best;
    }

    /** Where a phone number was found in the whole text. */
    private record Span(int start, int end) {
    }

    private static void matches(Pattern p, String text, int group, PiiKind kind, List<Find> out, Check check) {
        Matcher m = p.matcher(text);
        while (m.find()) {
            if (check.ok(m)) {
                out.add(new Find(m.start(group), m.end(group), kind, kind.placeholder()));
            }
        }
    }

    private void phones(String text, List<Find> out) {
        if (!hasDigitRun(text)) {
            return;
        }
        PhoneNumberUtil util = PhoneNumberUtil.getInstance();
        List<int[]> lines = phoneLines(text);
        for (String region : phoneRegions) {
          for (int[] line : lines) {
            String part = text.substring(line[0], line[1]);
            for (PhoneNumberMatch found : util.findNumbers(part, region, PhoneNumberUtil.Leniency.VALID, Long.MAX_VALUE)) {
                Span m = new Span(line[0] + found.start(), line[0] + found.end());
                String raw = found.rawString();
                // A bare run of digits in code or data is a constant far more often than a phone
                // number (2147483647 is a "valid" US number): require the way people write
                // numbers, + or separators, except for Chinese mobiles, often written bare.
                boolean written = raw.startsWith("+") || raw.matches(".*\\d[ ().-]+\\d.*") || raw.startsWith("(");
                // Not a number inside a number: "+35236450.6", the digits of "3.14159265359",
                // "1500 - 1599" ranges over lines.
                boolean inside = raw.indexOf('\n') >= 0 || (m.end() + 1 < text.length() && text.charAt(m.end()) == '.'
                        && Character.isDigit(text.charAt(m.end() + 1)))
                        || (m.start() > 0 && (Character.isLetterOrDigit(text.charAt(m.start() - 1)) || text.charAt(m.start() - 1) == '\''))
                        || (m.start() > 1 && (text.charAt(m.start() - 1) == '.' || text.charAt(m.start() - 1) == ',')
                        && Character.isDigit(text.charAt(m.start() - 2)));
                boolean catalogue = BOOK_NUMBER.matcher(text.substring(Math.max(0, m.start() - 12), m.start())).find();
                if (!inside && !catalogue && (written || CN_MOBILE.matcher(raw).matches())) {
                    out.add(new Find(m.start(), m.end(), PiiKind.PHONE, PiiKind.PHONE.placeholder()));
                }
            }
          }
        }
    }

    /** libphonenumber's separators between digit groups (its VALID_PUNCTUATION), and the lead characters. */
    private static final String PHONE_PUNCTUATION = "-x\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30FC\uFF0D\uFF0E\uFF0F"
            + " \u00A0\u00AD\u200B\u2060\u3000()\uFF08\uFF09\uFF3B\uFF3D.[]/~\u2053\u223C\uFF5E+\uFF0B";
    /** The fewest digits of a valid number: country code and national number (Austria's +43 and 4 digits). */
    static final int PHONE_MIN_DIGITS = 6;

    /**
     * The lines libphonenumber is run on, as [start, end) offsets. Its candidates never span a line
     * break (none of its separators is one) and it reads one character around a candidate (a line
     * break there counts as no character), so searching line by line finds what a search of the
     * whole text finds. Lines where no chain of digits, joined by at most four of its separators,
     * has {@link #PHONE_MIN_DIGITS} digits cannot hold a valid number and are not searched.
     */
    private static List<int[]> phoneLines(String text) {
        List<int[]> out = new ArrayList<>();
        int start = 0;
        int chain = 0;
        int gap = 0;
        boolean enough = false;
        int n = text.length();
        for (int i = 0; i <= n; ) {
            if (i == n || text.charAt(i) == '\n') {
                if (enough) {
                    out.add(new int[]{start, i});
                }
                start = i + 1;
                chain = 0;
                gap = 0;
                enough = false;
                i++;
                continue;
            }
            int c = text.codePointAt(i);
            if (Character.isDigit(c)) {
                chain++;
                gap = 0;
                enough |= chain >= PHONE_MIN_DIGITS;
            } else if (c < 0x10000 && PHONE_PUNCTUATION.indexOf((char) c) >= 0) {
                if (++gap > 4) {
                    chain = 0;
                }
            } else {
                chain = 0;
                gap = 0;
            }
            i += Character.charCount(c);
        }
        return out;
    }

    /** Phone numbers have at least seven digits; most texts have no such run and skip libphonenumber. */
    private static boolean hasDigitRun(String text) {
        int digits = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                if (++digits >= 7) {
                    return true;
                }
            } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
                digits = 0;
            }
        }
        return false;
    }

    /** Book and serial numbers are written like phone numbers ("ISBN 3-927551-27-9" in a wiki's literature list). */
    private static final Pattern BOOK_NUMBER = Pattern.compile("(?i)\\b(isbn|issn)(-1[03])?\\W{0,3}$");

    private static final Pattern IP_CONTEXT = Pattern.compile("(?i)(ip|addr|address|host|server|client|from|地址)\\W{0,3}$");

    /**
     * Section and version numbers ({@code 8.2.4.44}, {@code 2.7.2.2}) look like IPv4 addresses
     * with small octets; such a candidate counts only after a word that introduces an address.
     */
    private static boolean sectionNumber(String text, Matcher m) {
        for (String octet : m.group().split("\\.")) {
            if (Integer.parseInt(octet) > 50) {
                return false;
            }
        }
        return !IP_CONTEXT.matcher(text.substring(Math.max(0, m.start() - 12), m.start())).find();
    }

    /** RFC 2606's second-level documentation domains; {@code .test}, {@code .example} are no public suffix. */
    private static final Pattern RESERVED_DOMAIN = Pattern.compile("(?i)(?:.*\\.)?example\\.(?:com|net|org)");

    /**
     * A domain people can have addresses at: under a public suffix, and not a documentation
     * domain ({@code jcaesar@example.org} in Python's tutorial belongs to nobody, as 192.0.2.1 does).
     */
    private static boolean publicDomain(String domain) {
        if (RESERVED_DOMAIN.matcher(domain).matches()) {
            return false;
        }
        try {
            return InternetDomainName.from(domain).isUnderPublicSuffix();
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Only addresses that can point at a person's machine: loopback, private, link-local,
     * carrier-grade NAT, multicast, reserved and documentation ranges are not personal data.
     */
    public static boolean publicAddress(String s) {
        if (!InetAddresses.isInetAddress(s)) {
            return false;
        }
        InetAddress a = InetAddresses.forString(s);
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int o0 = b[0] & 0xff;
            int o1 = b[1] & 0xff;
            int o2 = b[2] & 0xff;
            boolean cgnat = o0 == 100 && o1 >= 64 && o1 <= 127;
            boolean documentation = (o0 == 192 && o1 == 0 && o2 == 2) || (o0 == 198 && o1 == 51 && o2 == 100)
                    || (o0 == 203 && o1 == 0 && o2 == 113) || (o0 == 192 && o1 == 0 && o2 == 0);
            boolean benchmark = o0 == 198 && (o1 == 18 || o1 == 19);
            return o0 != 0 && o0 < 224 && !cgnat && !documentation && !benchmark;
        }
        if (a instanceof Inet6Address) {
            boolean globalUnicast = (b[0] & 0xe0) == 0x20;
            boolean documentation = (b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x01 && (b[2] & 0xff) == 0x0d
                    && (b[3] & 0xff) == 0xb8;
            return globalUnicast && !documentation;
        }
        return false;
    }

    /** A real IPv6 address, written with enough digits that {@code a::b} in C++ is not one. */
    private static boolean ipv6(String s) {
        long hexDigits = s.chars().filter(c -> Character.digit(c, 16) >= 0).count();
        return s.indexOf(':') >= 0 && hexDigits >= 6 && s.chars().anyMatch(Character::isDigit) && publicAddress(s);
    }
}
