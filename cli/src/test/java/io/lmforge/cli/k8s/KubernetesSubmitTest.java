package io.lmforge.cli.k8s;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.lmforge.testing.TestData;
import org.apache.spark.deploy.SparkSubmit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spark's own Kubernetes submission client, run in-process against fabric8's mock API server in
 * CRUD mode (it stores what is created and answers reads, watches and patches as a server would),
 * with exactly the spark-submit options {@code scripts/submit/k8s.sh} prints under
 * {@code LMFORGE_DRY_RUN=1}. What it checks is what Spark asks a real API server to create: the
 * driver pod (image, our pod template merged in, memory with overhead, CPU, GPU, the lmforge
 * arguments) and the config maps of spark.properties and of the executor pod template. No kubelet
 * runs here: the pods are never started.
 */
class KubernetesSubmitTest {
    static final Path ROOT = TestData.repoRoot();
    static final String IMAGE = "registry.example/lmforge:test";
    static KubernetesMockServer server;
    static ApplyingCrudDispatcher dispatcher;
    static KubernetesClient client;

    @BeforeAll
    static void startMockApiServer() {
        // The mock server logs every request at INFO through java.util.logging.
        java.util.logging.Logger.getLogger("io.fabric8.mockwebserver").setLevel(java.util.logging.Level.WARNING);
        dispatcher = new ApplyingCrudDispatcher();
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.destroy();
        }
    }

    /** The wrapper's dry run, with its shell quoting undone by bash itself: spark-submit's argv. */
    static List<String> wrapperArgs(Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/submit/k8s.sh").toString()));
        cmd.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile()).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("K8S_") || k.startsWith("LMFORGE_") || k.equals("SPARK_HOME"));
        pb.environment().put("LMFORGE_DRY_RUN", "1");
        pb.environment().put("K8S_API", "http://127.0.0.1:" + server.getPort());
        pb.environment().put("LMFORGE_IMAGE", IMAGE);
        pb.environment().putAll(env);
        Process p = pb.start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), printed);

        Process split = new ProcessBuilder("bash", "-c", "eval \"set -- $1\"; printf '%s\\0' \"$@\"", "split", printed.strip())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        split.getInputStream().transferTo(out);
        assertEquals(0, split.waitFor());
        List<String> argv = new ArrayList<>(Arrays.asList(out.toString(StandardCharsets.UTF_8).split("\0")));
        assertEquals("spark-submit", argv.remove(0), printed);
        return argv;
    }

    /** Submits through SparkSubmit (what bin/spark-submit runs) and returns the driver pod it created. */
    static Pod submit(String namespace, List<String> argv) {
        assertTrue(client.pods().inNamespace(namespace).list().getItems().isEmpty());
        SparkSubmit.main(argv.toArray(String[]::new));
        List<Pod> pods = client.pods().inNamespace(namespace).withLabel("spark-role", "driver").list().getItems();
        assertEquals(1, pods.size(), "one driver pod in " + namespace);
        return pods.get(0);
    }

    static Container container(Pod pod) {
        assertEquals(1, pod.getSpec().getContainers().size());
        return pod.getSpec().getContainers().get(0);
    }

    static ConfigMap configMapOfVolume(Pod pod, String namespace, String volume) {
        Volume v = pod.getSpec().getVolumes().stream().filter(x -> x.getName().equals(volume)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + volume + " in " + pod.getSpec().getVolumes()));
        ConfigMap map = client.configMaps().inNamespace(namespace).withName(v.getConfigMap().getName()).get();
        assertNotNull(map, "config map " + v.getConfigMap().getName());
        return map;
    }

    static Properties sparkProperties(Pod pod, String namespace) throws IOException {
        ConfigMap map = configMapOfVolume(pod, namespace, "spark-conf-volume-driver");
        Properties props = new Properties();
        props.load(new StringReader(map.getData().get("spark.properties")));
        return props;
    }

    static Optional<String> env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(e -> e.getValue()).findFirst();
    }

    @Test
    void corpusSubmissionCreatesTheDriverPodFromTheCpuTemplate() throws Exception {
        String ns = "lmforge-cpu";
        List<String> argv = wrapperArgs(Map.of("K8S_NAMESPACE", ns),
                "--name", "lmforge-corpus", "--driver-memory", "2g", "--driver-cores", "2",
                "--conf", "spark.executor.instances=3",
                "--conf", "spark.kubernetes.submission.waitAppCompletion=false",
                "--", "corpus", "--config", "s3a://bucket/lmforge/cc.conf", "--out", "s3a://bucket/corpora/cc");
        Pod driver = submit(ns, argv);
        Container c = container(driver);

        assertEquals(IMAGE, c.getImage());
        assertEquals("spark-kubernetes-driver", c.getName());
        // The template's labels, annotations, environment and volumes, next to Spark's own.
        Map<String, String> labels = driver.getMetadata().getLabels();
        assertEquals("lmforge", labels.get("app.kubernetes.io/name"));
        assertEquals("driver", labels.get("app.kubernetes.io/component"));
        assertEquals("driver", driver.getMetadata().getAnnotations().get("lmforge.io/pod-template"));
        assertEquals(Optional.of("driver"), env(c, "LMFORGE_POD_TEMPLATE"));
        assertTrue(driver.getSpec().getVolumes().stream().anyMatch(v -> v.getName().equals("spark-local-dir-1") && v.getEmptyDir() != null));
        assertEquals(185L, driver.getSpec().getSecurityContext().getRunAsUser());
        assertEquals("spark", driver.getSpec().getServiceAccountName());

        // 2g of heap plus Spark's overhead for JVM jobs: max(10%, 384 MiB).
        assertEquals(new Quantity("2432Mi"), c.getResources().getRequests().get("memory"));
        assertEquals(new Quantity("2432Mi"), c.getResources().getLimits().get("memory"));
        assertEquals(new Quantity("2"), c.getResources().getRequests().get("cpu"));
        assertTrue(!c.getResources().getLimits().containsKey("nvidia.com/gpu"));

        // The driver runs LmForge from the corpus jar in the image, with the lmforge arguments.
        List<String> args = c.getArgs();
        assertEquals("driver", args.get(0));
        int cls = args.indexOf("--class");
        assertEquals("io.lmforge.cli.LmForge", args.get(cls + 1));
        assertEquals(List.of("local:///opt/lmforge/lmforge-corpus.jar", "corpus", "--config", "s3a://bucket/lmforge/cc.conf",
                "--out", "s3a://bucket/corpora/cc"), args.subList(cls + 2, args.size()));

        // --conf properties travel in a config map, mounted where the driver reads spark.properties.
        Properties props = sparkProperties(driver, ns);
        assertTrue(props.getProperty("spark.driver.extraJavaOptions").contains("-Dai.djl.offline=true"), props.toString());
        assertTrue(props.getProperty("spark.driver.extraJavaOptions").contains("--add-opens=java.base/java.nio=ALL-UNNAMED"));
        assertTrue(props.getProperty("spark.executor.extraJavaOptions").contains("-Dai.djl.offline=true"));
        assertEquals("3", props.getProperty("spark.executor.instances"));
        assertEquals(IMAGE, props.getProperty("spark.kubernetes.container.image"));
        assertEquals(ROOT.resolve("scripts/submit/k8s/driver.yaml").toString(), props.getProperty("spark.kubernetes.driver.podTemplateFile"));
        // In the driver, the executor template is a file of the config map below.
        assertEquals("/opt/spark/pod-template/pod-spec-template.yml", props.getProperty("spark.kubernetes.executor.podTemplateFile"));
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("spark-conf-volume-driver")));

        // The executor template reaches the driver in a config map of its own.
        ConfigMap executorTemplate = configMapOfVolume(driver, ns, "pod-template-volume");
        String template = executorTemplate.getData().values().iterator().next();
        assertTrue(template.contains("lmforge.io/pod-template: executor"), template);
        assertTrue(!template.contains("nvidia.com/gpu"), template);

        // The driver's headless service and the config maps, owned by the driver pod; Spark creates
        // them by server-side apply (see ApplyingCrudDispatcher).
        assertEquals(1, client.services().inNamespace(ns).list().getItems().size());
        assertEquals(driver.getMetadata().getUid(),
                client.services().inNamespace(ns).list().getItems().get(0).getMetadata().getOwnerReferences().get(0).getUid());
        assertTrue(dispatcher.createdByApply.stream().anyMatch(p -> p.contains("/namespaces/" + ns + "/services/")));
    }

    @Test
    void gpuTrainingSubmissionAsksForGpusAndLibtorchMemory() throws Exception {
        String ns = "lmforge-gpu";
        List<String> argv = wrapperArgs(Map.of("K8S_NAMESPACE", ns, "K8S_GPU", "1", "K8S_SERVICE_ACCOUNT", "lmforge-driver"),
                "--name", "lmforge-train", "--driver-memory", "4g", "--executor-memory", "16g",
                "--conf", "spark.executor.instances=2",
                "--conf", "spark.kubernetes.submission.waitAppCompletion=false",
                "--", "train", "--config", "s3a://bucket/train-gpu.conf", "--data", "s3a://bucket/corpora/cc/shards",
                "--out", "/mnt/shared/runs/cc", "--distributed", "2");
        Pod driver = submit(ns, argv);
        Container c = container(driver);

        assertEquals(IMAGE, c.getImage());
        assertEquals("driver-gpu", driver.getMetadata().getAnnotations().get("lmforge.io/pod-template"));
        assertEquals("nvidia-gpu", driver.getMetadata().getLabels().get("lmforge.io/accelerator"));
        assertEquals("lmforge-driver", driver.getSpec().getServiceAccountName());
        assertEquals("true", driver.getSpec().getNodeSelector().get("nvidia.com/gpu.present"));
        assertTrue(driver.getSpec().getVolumes().stream().anyMatch(v -> v.getName().equals("dshm")
                && "Memory".equals(v.getEmptyDir().getMedium())));
        assertTrue(c.getVolumeMounts().stream().anyMatch(m -> m.getName().equals("dshm") && m.getMountPath().equals("/dev/shm")));

        // 4g of heap plus 40% for libtorch (k8s.sh's overhead factor for train): 4096 + 1638 MiB.
        assertEquals(new Quantity("5734Mi"), c.getResources().getLimits().get("memory"));
        assertEquals(new Quantity("1"), c.getResources().getLimits().get("nvidia.com/gpu"));

        List<String> args = c.getArgs();
        int cls = args.indexOf("--class");
        assertEquals(List.of("local:///opt/lmforge/lmforge.jar", "train", "--config", "s3a://bucket/train-gpu.conf",
                "--data", "s3a://bucket/corpora/cc/shards", "--out", "/mnt/shared/runs/cc", "--distributed", "2"),
                args.subList(cls + 2, args.size()));

        Properties props = sparkProperties(driver, ns);
        String script = "/opt/spark/examples/src/main/scripts/getGpusResources.sh";
        assertEquals(script, props.getProperty("spark.driver.resource.gpu.discoveryScript"));
        assertEquals(script, props.getProperty("spark.executor.resource.gpu.discoveryScript"));
        assertEquals("1", props.getProperty("spark.executor.resource.gpu.amount"));
        assertEquals("1", props.getProperty("spark.task.resource.gpu.amount"));
        assertEquals("nvidia.com", props.getProperty("spark.executor.resource.gpu.vendor"));
        assertEquals("0.4", props.getProperty("spark.executor.memoryOverheadFactor"));
        assertTrue(props.getProperty("spark.driver.extraJavaOptions").contains("-Dai.djl.offline=true"));

        String template = configMapOfVolume(driver, ns, "pod-template-volume").getData().values().iterator().next();
        assertTrue(template.contains("lmforge.io/pod-template: executor-gpu"), template);
        assertTrue(template.contains("nvidia.com/gpu"), template);
    }
    @Test
    void gpusForExecutorsOnlyAndOptionsThatReplaceTheWrappers() throws Exception {
        List<String> argv = wrapperArgs(Map.of("K8S_GPU", "executors"),
                "--conf", "spark.executor.memoryOverheadFactor=0.6",
                "--", "train", "--config", "s3a://b/t.conf", "--data", "s3a://b/shards", "--out", "/mnt/runs/t", "--distributed", "4");
        List<String> confs = new ArrayList<>();
        for (int i = 0; i < argv.size() - 1; i++) {
            if (argv.get(i).equals("--conf")) {
                confs.add(argv.get(i + 1));
            }
        }
        assertTrue(confs.contains("spark.kubernetes.driver.podTemplateFile=" + ROOT.resolve("scripts/submit/k8s/driver.yaml")), confs.toString());
        assertTrue(confs.contains("spark.kubernetes.executor.podTemplateFile=" + ROOT.resolve("scripts/submit/k8s/executor-gpu.yaml")));
        assertTrue(confs.contains("spark.executor.resource.gpu.amount=1"));
        assertTrue(confs.stream().noneMatch(c -> c.startsWith("spark.driver.resource.gpu")), confs.toString());
        // spark-submit keeps the last value of a property: the user's comes after the wrapper's.
        assertTrue(confs.indexOf("spark.executor.memoryOverheadFactor=0.6") > confs.indexOf("spark.executor.memoryOverheadFactor=0.4"));
        assertEquals("local:///opt/lmforge/lmforge.jar", argv.get(argv.indexOf("train") - 1));

        ProcessBuilder bad = new ProcessBuilder("bash", ROOT.resolve("scripts/submit/k8s.sh").toString(), "--", "corpus")
                .redirectErrorStream(true);
        bad.environment().putAll(Map.of("K8S_GPU", "2", "K8S_API", "http://127.0.0.1:1", "LMFORGE_IMAGE", IMAGE, "LMFORGE_DRY_RUN", "1"));
        Process p = bad.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(2, p.waitFor(), out);
        assertTrue(out.contains("K8S_GPU must be 0, 1 or executors"), out);
    }
}
