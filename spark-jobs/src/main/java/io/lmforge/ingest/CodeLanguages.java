package io.lmforge.ingest;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Programming language from a file's name: special names first (Makefile, Dockerfile...), then the
 * extension. Names are lower-case and stable: they are the {@code code_lang} values users filter on.
 */
final class CodeLanguages {
    private static final Map<String, String> BY_NAME = new HashMap<>();
    private static final Map<String, String> BY_EXTENSION = new HashMap<>();

    /** Extensions of files that are never source code: images, archives, compiled objects, media, fonts. */
    static final Set<String> BINARY_EXTENSIONS = Set.of(
            "png", "jpg", "jpeg", "gif", "bmp", "ico", "icns", "webp", "tif", "tiff", "psd", "pdf", "zip", "gz", "tgz",
            "bz2", "xz", "zst", "7z", "rar", "jar", "war", "ear", "class", "o", "obj", "a", "so", "dylib", "dll", "exe",
            "bin", "pyc", "pyo", "whl", "egg", "mp3", "mp4", "wav", "ogg", "flac", "avi", "mov", "mkv", "webm", "ttf",
            "otf", "woff", "woff2", "eot", "db", "sqlite", "parquet", "avro", "orc", "npy", "npz", "pkl", "pt", "onnx",
            "wasm", "deb", "rpm", "iso", "dmg", "swf", "xls", "xlsx", "doc", "docx", "ppt", "pptx", "odt", "ods");

    static {
        name("makefile", "makefile");
        name("gnumakefile", "makefile");
        name("dockerfile", "dockerfile");
        name("containerfile", "dockerfile");
        name("cmakelists.txt", "cmake");
        name("rakefile", "ruby");
        name("gemfile", "ruby");
        name("vagrantfile", "ruby");
        name("podfile", "ruby");
        name("jenkinsfile", "groovy");
        name("build", "starlark");
        name("build.bazel", "starlark");
        name("workspace", "starlark");
        name("justfile", "just");
        name("meson.build", "meson");
        name(".bashrc", "shell");
        name(".profile", "shell");
        name("configure.ac", "m4");
        name("readme", "text");
        name("license", "text");
        name("copying", "text");
        name("notice", "text");
        name("authors", "text");
        name("changelog", "text");
        name("contributing", "text");

        ext("java", "java");
        ext("kt", "kotlin", "kts");
        ext("scala", "scala", "sc");
        ext("groovy", "groovy", "gradle");
        ext("clj", "clojure", "cljs", "cljc", "edn");
        ext("py", "python", "pyi", "pyw");
        ext("ipynb", "jupyter");
        ext("js", "javascript", "mjs", "cjs", "jsx");
        ext("ts", "typescript", "tsx", "mts", "cts");
        ext("c", "c", "h");
        ext("cc", "cpp", "cpp", "cxx", "c++", "hh", "hpp", "hxx", "h++", "ipp", "tpp");
        ext("cu", "cuda", "cuh");
        ext("m", "objective-c", "mm");
        ext("cs", "csharp");
        ext("fs", "fsharp", "fsx", "fsi");
        ext("vb", "visual-basic");
        ext("go", "go");
        ext("rs", "rust");
        ext("swift", "swift");
        ext("rb", "ruby", "rake", "gemspec");
        ext("php", "php");
        ext("pl", "perl", "pm", "t", "pod");
        ext("lua", "lua");
        ext("r", "r", "rmd");
        ext("jl", "julia");
        ext("hs", "haskell", "lhs");
        ext("ml", "ocaml", "mli");
        ext("erl", "erlang", "hrl");
        ext("ex", "elixir", "exs");
        ext("elm", "elm");
        ext("dart", "dart");
        ext("zig", "zig");
        ext("nim", "nim");
        ext("d", "d");
        ext("f", "fortran", "f90", "f95", "f03", "for");
        ext("pas", "pascal", "pp");
        ext("lisp", "lisp", "lsp", "cl", "el");
        ext("scm", "scheme", "ss", "rkt");
        ext("sh", "shell", "bash", "zsh", "ksh", "fish");
        ext("ps1", "powershell", "psm1");
        ext("bat", "batch", "cmd");
        ext("sql", "sql");
        ext("html", "html", "htm", "xhtml");
        ext("css", "css");
        ext("scss", "scss", "sass");
        ext("less", "less");
        ext("vue", "vue");
        ext("svelte", "svelte");
        ext("xml", "xml", "xsd", "xsl", "xslt", "pom", "plist");
        ext("json", "json", "jsonc", "json5");
        ext("yaml", "yaml", "yml");
        ext("toml", "toml");
        ext("ini", "ini", "cfg", "conf", "properties");
        ext("md", "markdown", "markdown");
        ext("rst", "restructuredtext");
        ext("tex", "tex", "sty", "cls", "bib");
        ext("proto", "protobuf");
        ext("thrift", "thrift");
        ext("graphql", "graphql", "gql");
        ext("tf", "hcl", "hcl", "tfvars");
        ext("cmake", "cmake");
        ext("mk", "makefile", "mak");
        ext("dockerfile", "dockerfile");
        ext("asm", "assembly", "s");
        ext("v", "verilog", "sv", "svh");
        ext("vhd", "vhdl", "vhdl");
        ext("sol", "solidity");
        ext("awk", "awk");
        ext("vim", "vim");
        ext("txt", "text");
    }

    private CodeLanguages() {
    }

    private static void name(String name, String language) {
        BY_NAME.put(name, language);
    }

    private static void ext(String first, String language, String... more) {
        BY_EXTENSION.put(first, language);
        for (String e : more) {
            BY_EXTENSION.put(e, language);
        }
    }

    /** The language of a file name (no directories), or null when unknown. */
    static String of(String fileName) {
        String lower = fileName.toLowerCase(Locale.ROOT);
        String byName = BY_NAME.get(lower);
        if (byName != null) {
            return byName;
        }
        if (lower.startsWith("dockerfile.") || lower.endsWith(".dockerfile")) {
            return "dockerfile";
        }
        if (lower.startsWith("makefile.")) {
            return "makefile";
        }
        return BY_EXTENSION.get(extension(lower));
    }

    /** Whether {@code name} is one of the language names this class gives. */
    static boolean isLanguage(String name) {
        return BY_NAME.containsValue(name) || BY_EXTENSION.containsValue(name);
    }

    /** The text after the last dot, lower case; empty when there is none. */
    static String extension(String fileName) {
        int dot = fileName.lastIndexOf('.');
        return dot <= 0 ? "" : fileName.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
