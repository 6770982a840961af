package dev.slipway.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Build step run after the fabric8 CRD generator: puts printer columns back in the order the
 * classes declare them (the generator sorts them by JSON path, which would print AGE first) and
 * writes the result to the generated file and to the repository's crds/ folder.
 *
 * <p>Usage: {@code CrdExport <generated-dir> <crds-dir> <custom-resource-class>...}
 */
public final class CrdExport {

  private CrdExport() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      throw new IllegalArgumentException("usage: CrdExport <generated-dir> <crds-dir> <custom-resource-class>...");
    }
    Path generated = Path.of(args[0]);
    Path target = Path.of(args[1]);
    Files.createDirectories(target);
    for (String className : Arrays.asList(args).subList(2, args.length)) {
      Class<?> type = Class.forName(className);
      String fileName = io.fabric8.kubernetes.api.model.HasMetadata.getFullResourceName(
              type.asSubclass(io.fabric8.kubernetes.api.model.HasMetadata.class))
          + "-v1.yml";
      Path source = generated.resolve(fileName);
      CustomResourceDefinition crd =
          Serialization.unmarshal(Files.readString(source), CustomResourceDefinition.class);
      orderColumns(crd, type);
      String yaml = "# Generated from " + type.getName() + " by the build; do not edit.\n"
          + Serialization.asYaml(crd).replaceFirst("^---\n", "");
      Files.writeString(source, yaml, StandardCharsets.UTF_8);
      Files.writeString(target.resolve(fileName), yaml, StandardCharsets.UTF_8);
    }
  }

  static void orderColumns(CustomResourceDefinition crd, Class<?> type) {
    List<String> declared = Arrays.stream(type.getAnnotationsByType(AdditionalPrinterColumn.class))
        .map(AdditionalPrinterColumn::name)
        .toList();
    for (CustomResourceDefinitionVersion version : crd.getSpec().getVersions()) {
      if (version.getAdditionalPrinterColumns() == null) {
        continue;
      }
      List<CustomResourceColumnDefinition> columns = new ArrayList<>(version.getAdditionalPrinterColumns());
      columns.sort(Comparator.comparingInt(c -> {
        int i = declared.indexOf(c.getName());
        return i < 0 ? Integer.MAX_VALUE : i;
      }));
      version.setAdditionalPrinterColumns(columns);
    }
  }
}
