package io.lmforge.trainer;

import com.google.gson.Gson;

/** JSON helpers shared by checkpoints and the run record. */
final class Json {
    static final Gson GSON = new com.google.gson.GsonBuilder().serializeSpecialFloatingPointValues().create();

    private Json() {
    }

    /** Whether two objects serialise to the same JSON tree (so 256 and 256.0 compare equal). */
    static boolean sameTree(Object a, Object b) {
        return GSON.toJsonTree(a).equals(GSON.toJsonTree(b));
    }
}
