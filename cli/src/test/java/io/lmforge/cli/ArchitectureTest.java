package io.lmforge.cli;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The module graph and the package layering, on the production classes of every module (this
 * module sees them all): modules depend one way, packages have no cycles, and the corpus runner
 * is the only code that knows the stages exist.
 */
@AnalyzeClasses(packages = "io.lmforge", importOptions = ArchitectureTest.ProductionClasses.class)
class ArchitectureTest {

    private static final String[] CORPUS = {"io.lmforge.corpus..", "io.lmforge.pipeline..", "io.lmforge.ingest..",
            "io.lmforge.clean..", "io.lmforge.filter..", "io.lmforge.langid..", "io.lmforge.pii..",
            "io.lmforge.dedup..", "io.lmforge.mix..", "io.lmforge.tokenizer..", "io.lmforge.pack.."};
    private static final String[] STAGES = {"io.lmforge.ingest..", "io.lmforge.clean..", "io.lmforge.filter..",
            "io.lmforge.langid..", "io.lmforge.pii..", "io.lmforge.dedup..", "io.lmforge.mix..",
            "io.lmforge.tokenizer..", "io.lmforge.pack.."};

    /** Each Maven module is a layer; a layer may use only the layers below it. */
    @ArchTest
    static final ArchRule modulesDependOneWay = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("common").definedBy("io.lmforge.config..", "io.lmforge.shards..")
            .layer("model").definedBy("io.lmforge.model..")
            .layer("trainer").definedBy("io.lmforge.trainer..")
            .layer("serving").definedBy("io.lmforge.serving..")
            .layer("spark-jobs").definedBy(CORPUS)
            .layer("bench").definedBy("io.lmforge.bench..")
            .layer("cli").definedBy("io.lmforge.cli..")
            .whereLayer("cli").mayNotBeAccessedByAnyLayer()
            .whereLayer("bench").mayOnlyBeAccessedByLayers("cli")
            .whereLayer("trainer").mayOnlyBeAccessedByLayers("bench", "cli")
            .whereLayer("serving").mayOnlyBeAccessedByLayers("bench", "cli")
            .whereLayer("model").mayOnlyBeAccessedByLayers("trainer", "serving", "bench", "cli")
            .whereLayer("spark-jobs").mayOnlyBeAccessedByLayers("bench", "cli")
            .whereLayer("common").mayOnlyBeAccessedByLayers("model", "trainer", "serving", "spark-jobs", "bench", "cli");

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("io.lmforge.(**)").should().beFreeOfCycles();

    /** The stage contract (io.lmforge.corpus) knows no stage and no runner. */
    @ArchTest
    static final ArchRule theContractKnowsNoStage = noClasses().that().resideInAPackage("io.lmforge.corpus..")
            .should().dependOnClassesThat().resideInAnyPackage(STAGES)
            .orShould().dependOnClassesThat().resideInAPackage("io.lmforge.pipeline..");

    /** Stages are found through ServiceLoader by the runner; no stage depends on the runner. */
    @ArchTest
    static final ArchRule stagesDoNotKnowTheRunner = noClasses().that().resideInAnyPackage(STAGES)
            .should().dependOnClassesThat().resideInAPackage("io.lmforge.pipeline..");

    /** The runner builds stages by name from the catalog, never by class. */
    @ArchTest
    static final ArchRule theRunnerNamesNoDocumentStage = noClasses().that().resideInAPackage("io.lmforge.pipeline..")
            .should().dependOnClassesThat().resideInAnyPackage("io.lmforge.clean..", "io.lmforge.filter..",
                    "io.lmforge.langid..", "io.lmforge.pii..", "io.lmforge.dedup..", "io.lmforge.tokenizer..",
                    "io.lmforge.pack..");

    /** Only the model, the trainer and what sits above them may load the DJL engine. */
    @ArchTest
    static final ArchRule theCorpusJobNeedsNoDeepLearningEngine = noClasses().that().resideInAnyPackage(CORPUS)
            .should().dependOnClassesThat().resideInAnyPackage("ai.djl.pytorch..", "ai.djl.nn..", "ai.djl.training..");

    /** Main classes of the modules, wherever Maven puts them (classes directories or packaged jars); no tests. */
    static final class ProductionClasses implements ImportOption {
        @Override
        public boolean includes(Location location) {
            return !location.contains("/test-classes/") && !location.contains("-tests.jar");
        }
    }
}
