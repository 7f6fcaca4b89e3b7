package io.lmforge.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Two input listings compared file by file (path to "size,mtime" or a content hash): which files
 * are new, which changed, which are gone. Used by the resume check and by the refresh ledger.
 */
record InputDiff(List<String> added, List<String> changed, List<String> gone) {

    static InputDiff of(Map<String, String> before, Map<String, String> now) {
        List<String> added = new ArrayList<>();
        List<String> changed = new ArrayList<>();
        List<String> gone = new ArrayList<>();
        TreeSet<String> paths = new TreeSet<>(before.keySet());
        paths.addAll(now.keySet());
        for (String p : paths) {
            String a = before.get(p);
            String b = now.get(p);
            if (a == null) {
                added.add(p);
            } else if (b == null) {
                gone.add(p);
            } else if (!a.equals(b)) {
                changed.add(p);
            }
        }
        return new InputDiff(added, changed, gone);
    }

    boolean isEmpty() {
        return added.isEmpty() && changed.isEmpty() && gone.isEmpty();
    }

    /** "2 new (a, b), 1 changed (c)". */
    String describe() {
        List<String> parts = new ArrayList<>();
        part(parts, "new", added);
        part(parts, "changed", changed);
        part(parts, "gone", gone);
        return String.join(", ", parts);
    }

    private static void part(List<String> parts, String what, List<String> files) {
        if (!files.isEmpty()) {
            parts.add(files.size() + " " + what + " (" + String.join(", ", RunState.abbreviate(files)) + ")");
        }
    }
}
