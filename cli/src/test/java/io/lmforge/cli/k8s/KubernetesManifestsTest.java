package io.lmforge.cli.k8s;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.lmforge.testing.TestData;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every manifest under {@code scripts/submit/k8s/} parses as Kubernetes YAML (fabric8's own
 * deserializer, which maps kind and apiVersion to the model class), and holds what the wrapper and
 * the Spark driver count on: the pod templates' container names, GPU limits and mounted volumes,
 * and RBAC that binds the driver's service account to a role allowed to manage its pods.
 */
class KubernetesManifestsTest {
    static final Path DIR = TestData.repoRoot().resolve("scripts/submit/k8s");
    static final List<String> TEMPLATES = List.of("driver.yaml", "driver-gpu.yaml", "executor.yaml", "executor-gpu.yaml");

    static Map<String, HasMetadata> manifests() throws IOException {
        Map<String, HasMetadata> all = new TreeMap<>();
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).toList()) {
                try (InputStream in = Files.newInputStream(f)) {
                    Object parsed = Serialization.unmarshal(in);
                    HasMetadata resource = assertInstanceOf(HasMetadata.class, parsed, f + " is one Kubernetes resource");
                    all.put(DIR.relativize(f).toString(), resource);
                }
            }
        }
        return all;
    }

    @Test
    void everyFileIsAKubernetesResourceWithKindAndApiVersion() throws IOException {
        Map<String, HasMetadata> all = manifests();
        assertEquals(Set.of("driver.yaml", "driver-gpu.yaml", "executor.yaml", "executor-gpu.yaml",
                "rbac/serviceaccount.yaml", "rbac/role.yaml", "rbac/rolebinding.yaml"), all.keySet());
        all.forEach((file, r) -> {
            assertNotNull(r.getKind(), file);
            assertNotNull(r.getApiVersion(), file);
            assertNotNull(r.getMetadata(), file + " metadata");
            assertEquals("lmforge", r.getMetadata().getLabels().get("app.kubernetes.io/name"), file + " label");
        });
        assertEquals("Pod", all.get("driver.yaml").getKind());
        assertEquals("v1", all.get("driver.yaml").getApiVersion());
        assertEquals("rbac.authorization.k8s.io/v1", all.get("rbac/role.yaml").getApiVersion());
    }

    @Test
    void podTemplatesNameTheContainersTheWrapperPointsSparkAt() throws IOException {
        Map<String, HasMetadata> all = manifests();
        String wrapper = Files.readString(DIR.resolveSibling("k8s.sh"));
        for (String file : TEMPLATES) {
            Pod pod = assertInstanceOf(Pod.class, all.get(file), file);
            assertTrue(wrapper.contains("$TEMPLATES/" + file), "k8s.sh uses " + file);
            // Spark fills in the pod's name, namespace, image and command; a template must leave them out.
            assertNull(pod.getMetadata().getName(), file + " name");
            assertNull(pod.getMetadata().getNamespace(), file + " namespace");
            assertEquals(1, pod.getSpec().getContainers().size(), file + " containers");
            Container c = pod.getSpec().getContainers().get(0);
            String role = file.startsWith("driver") ? "driver" : "executor";
            assertEquals("spark-kubernetes-" + role, c.getName(), file + " container");
            assertTrue(wrapper.contains("spark.kubernetes." + role + ".podTemplateContainerName=spark-kubernetes-" + role));
            assertNull(c.getImage(), file + " image: Spark sets it from spark.kubernetes.container.image");
            assertEquals(role, pod.getMetadata().getLabels().get("app.kubernetes.io/component"), file);
            assertEquals(file.replace(".yaml", ""), pod.getMetadata().getAnnotations().get("lmforge.io/pod-template"), file);

            Set<String> volumes = pod.getSpec().getVolumes().stream().map(Volume::getName).collect(Collectors.toSet());
            Set<String> mounts = new HashSet<>();
            for (VolumeMount m : c.getVolumeMounts()) {
                assertTrue(volumes.contains(m.getName()), file + " mounts a declared volume: " + m.getName());
                assertTrue(m.getMountPath().startsWith("/"), file + " " + m.getMountPath());
                mounts.add(m.getName());
            }
            // Spark takes a mounted spark-local-dir-* volume as its scratch directory.
            assertTrue(mounts.contains("spark-local-dir-1"), file + " scratch volume");

            Map<String, Quantity> limits = c.getResources() == null ? Map.of() : c.getResources().getLimits();
            if (file.contains("gpu")) {
                assertEquals(new Quantity("1"), limits.get("nvidia.com/gpu"), file + " GPU limit");
                assertTrue(mounts.contains("dshm"), file + " shared memory for NCCL");
                assertEquals("Memory", pod.getSpec().getVolumes().stream().filter(v -> v.getName().equals("dshm"))
                        .findFirst().orElseThrow().getEmptyDir().getMedium());
                assertFalse(pod.getSpec().getTolerations().isEmpty(), file + " tolerates the GPU nodes' taint");
            } else {
                assertTrue(limits == null || !limits.containsKey("nvidia.com/gpu"), file + " has no GPU");
            }
        }
    }

    @Test
    void theDriversServiceAccountMayManageItsExecutors() throws IOException {
        Map<String, HasMetadata> all = manifests();
        ServiceAccount account = assertInstanceOf(ServiceAccount.class, all.get("rbac/serviceaccount.yaml"));
        Role role = assertInstanceOf(Role.class, all.get("rbac/role.yaml"));
        RoleBinding binding = assertInstanceOf(RoleBinding.class, all.get("rbac/rolebinding.yaml"));
        // k8s.sh's default K8S_SERVICE_ACCOUNT.
        assertEquals("spark", account.getMetadata().getName());
        assertTrue(Files.readString(DIR.resolveSibling("k8s.sh")).contains("${K8S_SERVICE_ACCOUNT:-spark}"));

        for (String resource : List.of("pods", "services", "configmaps", "persistentvolumeclaims")) {
            Set<String> verbs = new HashSet<>();
            for (PolicyRule rule : role.getRules()) {
                if (rule.getApiGroups().contains("") && rule.getResources().contains(resource)) {
                    verbs.addAll(rule.getVerbs());
                }
            }
            assertTrue(verbs.containsAll(List.of("create", "get", "list", "watch", "delete", "deletecollection", "patch")),
                    resource + ": " + verbs);
        }

        assertEquals("Role", binding.getRoleRef().getKind());
        assertEquals("rbac.authorization.k8s.io", binding.getRoleRef().getApiGroup());
        assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
        assertEquals(1, binding.getSubjects().size());
        Subject subject = binding.getSubjects().get(0);
        assertEquals("ServiceAccount", subject.getKind());
        assertEquals(account.getMetadata().getName(), subject.getName());
        // A RoleBinding only binds within its namespace: the three must agree.
        String ns = account.getMetadata().getNamespace();
        assertEquals(ns, role.getMetadata().getNamespace());
        assertEquals(ns, binding.getMetadata().getNamespace());
        assertEquals(ns, subject.getNamespace());
    }
}
