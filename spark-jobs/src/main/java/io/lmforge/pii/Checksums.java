package io.lmforge.pii;

import java.time.DateTimeException;
import java.time.LocalDate;

/** The checks that tell a card or ID number from any other run of digits. */
public final class Checksums {
    private static final int[] CN_WEIGHTS = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    private static final char[] CN_CHECK = "10X98765432".toCharArray();

    private Checksums() {
    }

    /** ISO/IEC 7812 Luhn check over a digit string. */
    public static boolean luhn(String digits) {
        int sum = 0;
        boolean twice = false;
        for (int i = digits.length() - 1; i >= 0; i--) {
            int d = digits.charAt(i) - '0';
            if (twice) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            twice = !twice;
        }
        return sum % 10 == 0;
    }

    /**
     * An issuer prefix and length of a real card network: Visa, Mastercard (51-55, 2221-2720),
     * American Express, Discover, JCB, Diners Club, UnionPay, Maestro.
     */
    static boolean cardNetwork(String d) {
        int n = d.length();
        int p2 = Integer.parseInt(d.substring(0, 2));
        int p4 = Integer.parseInt(d.substring(0, 4));
        if (d.charAt(0) == '4') {
            return n == 13 || n == 16 || n == 19;
        }
        if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) {
            return n == 16;
        }
        if (p2 == 34 || p2 == 37) {
            return n == 15;
        }
        if (p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499)) {
            return n >= 16 && n <= 19;
        }
        if (p4 >= 3528 && p4 <= 3589) {
            return n >= 16 && n <= 19;
        }
        if (p2 == 36 || p2 == 38 || (p4 >= 3000 && p4 <= 3059)) {
            return n >= 14 && n <= 19;
        }
        if (p2 == 62) {
            return n >= 16 && n <= 19;
        }
        if (p2 == 50 || (p2 >= 56 && p2 <= 58) || p2 == 67) {
            return n >= 12 && n <= 19;
        }
        return false;
    }

    /** {@code ****-****-****-1234}: every digit but the last four hidden, in groups of four. */
    static String maskCard(String digits) {
        int hidden = digits.length() - 4;
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hidden; i++) {
            if (i > 0 && i % 4 == 0) {
                out.append('-');
            }
            out.append('*');
        }
        return out.append('-').append(digits, hidden, digits.length()).toString();
    }

    /** GB 11643-1999: 17 digits (region, birth date, sequence) and an ISO 7064 MOD 11-2 check character. */
    static boolean chineseId(String id) {
        if (id.length() != 18) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            char c = id.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
            sum += (c - '0') * CN_WEIGHTS[i];
        }
        if (Character.toUpperCase(id.charAt(17)) != CN_CHECK[sum % 11]) {
            return false;
        }
        try {
            LocalDate birth = LocalDate.of(Integer.parseInt(id.substring(6, 10)),
                    Integer.parseInt(id.substring(10, 12)), Integer.parseInt(id.substring(12, 14)));
            return !birth.isAfter(LocalDate.now()) && birth.getYear() >= 1900;
        } catch (DateTimeException e) {
            return false;
        }
    }

    /** The check character a 17-digit ID prefix needs (for building test data). */
    public static char chineseIdCheck(String first17) {
        int sum = 0;
        for (int i = 0; i < 17; i++) {
            sum += (first17.charAt(i) - '0') * CN_WEIGHTS[i];
        }
        return CN_CHECK[sum % 11];
    }
}
