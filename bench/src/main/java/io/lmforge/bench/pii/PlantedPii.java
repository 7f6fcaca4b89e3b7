package io.lmforge.bench.pii;

import io.lmforge.pii.PiiMasker;
import io.lmforge.pii.Checksums;
import io.lmforge.pii.PiiKind;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

/**
 * The labelled set of {@code lmforge bench pii}: real text with planted personal data of every
 * kind, each value random but valid (a Luhn-valid number of a real card network, an ID with a
 * real birth date and check character, a number libphonenumber's plans accept, a public IP...),
 * written in the formats people use. A value counts as found when the masked text no longer
 * contains it.
 */
public final class PlantedPii {
    /** One planted value and the kind it is. */
    public record Planted(PiiKind kind, String value) {
    }

    /** A carrier text with its planted values. */
    public record Doc(String text, List<Planted> planted) {
    }

    private static final String[] DOMAINS = {"gmail.com", "outlook.com", "example-mail.de", "mail.ru", "qq.com",
            "163.com", "uni-heidelberg.de", "company.co.uk", "posteo.net", "yahoo.co.jp", "fastmail.fm", "web.de"};
    private static final String[] NAMES = {"anna", "li.wei", "j.smith", "marie-claire", "zhang_san", "o.brien",
            "kim99", "p.mueller", "dev+lists", "x.y.z"};
    private static final String[] REGIONS = {"US", "GB", "DE", "FR", "CN", "JP", "IN", "BR", "AU", "CA"};
    private static final String[] CN_AREAS = {"110101", "310104", "440305", "510107", "330106", "420111", "610113"};
    private static final String ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private PlantedPii() {
    }

    /** Plants {@code perDoc} values of random kinds between the words of each carrier. */
    public static List<Doc> plant(List<String> carriers, int perDoc, Random rnd) {
        List<Doc> out = new ArrayList<>();
        PiiKind[] kinds = PiiKind.values();
        for (String carrier : carriers) {
            String[] words = carrier.split(" ", -1);
            List<Planted> planted = new ArrayList<>();
            for (int i = 0; i < perDoc; i++) {
                PiiKind kind = kinds[(out.size() * perDoc + i) % kinds.length];
                String value = value(kind, rnd);
                planted.add(new Planted(kind, value));
                int at = rnd.nextInt(words.length);
                words[at] = words[at] + " " + context(kind, rnd) + value + (rnd.nextBoolean() ? "." : " ");
            }
            out.add(new Doc(String.join(" ", words), planted));
        }
        return out;
    }

    private static String context(PiiKind kind, Random rnd) {
        String[] c = switch (kind) {
            case EMAIL -> new String[]{"write to ", "email: ", "<", "邮箱："};
            case PHONE -> new String[]{"call ", "tel. ", "phone: ", "电话："};
            case IPV4, IPV6 -> new String[]{"from ", "client ", "IP ", "地址 "};
            case CARD -> new String[]{"card ", "paid with ", "Karte: ", "卡号："};
            case CN_ID -> new String[]{"身份证号：", "ID ", "证件号码 "};
            case SECRET -> new String[]{"token = \"", "AWS key ", "export KEY=", "api_key: "};
            case PRIVATE_KEY -> new String[]{"\n", "key:\n"};
        };
        return c[rnd.nextInt(c.length)];
    }

    public static String value(PiiKind kind, Random rnd) {
        return switch (kind) {
            case EMAIL -> NAMES[rnd.nextInt(NAMES.length)] + rnd.nextInt(1000) + "@" + DOMAINS[rnd.nextInt(DOMAINS.length)];
            case PHONE -> phone(rnd);
            case IPV4 -> ipv4(rnd);
            case IPV6 -> ipv6(rnd);
            case CARD -> card(rnd);
            case CN_ID -> cnId(rnd);
            case SECRET -> secret(rnd);
            case PRIVATE_KEY -> privateKey(rnd);
        };
    }

    private static String phone(Random rnd) {
        PhoneNumberUtil util = PhoneNumberUtil.getInstance();
        String region = REGIONS[rnd.nextInt(REGIONS.length)];
        PhoneNumberUtil.PhoneNumberType type = rnd.nextBoolean()
                ? PhoneNumberUtil.PhoneNumberType.MOBILE : PhoneNumberUtil.PhoneNumberType.FIXED_LINE;
        Phonenumber.PhoneNumber example = util.getExampleNumberForType(region, type);
        for (int attempt = 0; ; attempt++) {
            String national = Long.toString(example.getNationalNumber());
            StringBuilder digits = new StringBuilder(national.substring(0, national.length() - 4));
            for (int i = 0; i < 4; i++) {
                digits.append(rnd.nextInt(10));
            }
            Phonenumber.PhoneNumber n = new Phonenumber.PhoneNumber()
                    .setCountryCode(example.getCountryCode()).setNationalNumber(Long.parseLong(digits.toString()));
            if (!util.isValidNumber(n)) {
                if (attempt < 50) {
                    continue;
                }
                return phone(rnd);                                         // this plan's example range is narrow
            }
            if (region.equals("CN") && type == PhoneNumberUtil.PhoneNumberType.MOBILE && rnd.nextBoolean()) {
                return digits.toString();                                  // bare 11 digits
            }
            PhoneNumberUtil.PhoneNumberFormat f = switch (rnd.nextInt(3)) {
                case 0 -> PhoneNumberUtil.PhoneNumberFormat.E164;
                case 1 -> PhoneNumberUtil.PhoneNumberFormat.INTERNATIONAL;
                default -> region.equals("US") ? PhoneNumberUtil.PhoneNumberFormat.NATIONAL
                        : PhoneNumberUtil.PhoneNumberFormat.INTERNATIONAL;
            };
            return util.format(n, f);
        }
    }

    private static String ipv4(Random rnd) {
        while (true) {
            String ip = (1 + rnd.nextInt(223)) + "." + rnd.nextInt(256) + "." + rnd.nextInt(256) + "." + (1 + rnd.nextInt(254));
            if (PiiMasker.publicAddress(ip)) {
                return ip;
            }
        }
    }

    private static String ipv6(Random rnd) {
        StringBuilder b = new StringBuilder(Integer.toHexString(0x2400 + rnd.nextInt(0x0c00)));
        int groups = rnd.nextBoolean() ? 7 : 3;
        for (int i = 0; i < groups; i++) {
            b.append(':').append(Integer.toHexString(rnd.nextInt(0x10000)));
        }
        String s = groups == 7 ? b.toString() : b.toString().replaceFirst(":", "::");
        return PiiMasker.publicAddress(s) ? s : ipv6(rnd);
    }

    private static String card(Random rnd) {
        String[] prefixes = {"4", "51", "55", "2221", "2720", "34", "37", "6011", "65", "3530", "62"};
        String prefix = prefixes[rnd.nextInt(prefixes.length)];
        int length = prefix.startsWith("3") && prefix.length() == 2 ? 15 : 16;
        StringBuilder d = new StringBuilder(prefix);
        while (d.length() < length - 1) {
            d.append(rnd.nextInt(10));
        }
        for (int check = 0; check < 10; check++) {
            if (Checksums.luhn(d.toString() + check)) {
                d.append(check);
                break;
            }
        }
        String digits = d.toString();
        return switch (rnd.nextInt(3)) {
            case 0 -> digits;
            case 1 -> digits.replaceAll("(\\d{4})(?=\\d)", "$1 ");
            default -> digits.replaceAll("(\\d{4})(?=\\d)", "$1-");
        };
    }

    private static String cnId(Random rnd) {
        String first17 = CN_AREAS[rnd.nextInt(CN_AREAS.length)]
                + String.format("%04d%02d%02d", 1950 + rnd.nextInt(55), 1 + rnd.nextInt(12), 1 + rnd.nextInt(28))
                + String.format("%03d", rnd.nextInt(1000));
        return first17 + Checksums.chineseIdCheck(first17);
    }

    private static String secret(Random rnd) {
        return switch (rnd.nextInt(5)) {
            case 0 -> "AKIA" + random(rnd, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16);
            case 1 -> "ghp_" + random(rnd, ALNUM, 36);
            case 2 -> "xoxb-" + random(rnd, "0123456789", 12) + "-" + random(rnd, ALNUM, 24);
            case 3 -> "AIza" + random(rnd, ALNUM + "_-", 35);
            default -> "sk_live_" + random(rnd, ALNUM, 24);
        };
    }

    private static String privateKey(Random rnd) {
        byte[] key = new byte[300];
        rnd.nextBytes(key);
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key);
        String type = rnd.nextBoolean() ? "RSA " : (rnd.nextBoolean() ? "OPENSSH " : "");
        return "-----BEGIN " + type + "PRIVATE KEY-----\n" + body + "\n-----END " + type + "PRIVATE KEY-----";
    }

    private static String random(Random rnd, String alphabet, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
