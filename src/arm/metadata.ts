import { serviceOfHost } from '../proxy/hosts.js';

/**
 * GET {arm}/metadata/endpoints: the cloud's endpoints, as az (`az cloud register
 * --endpoint-resource-manager`, ARM_CLOUD_METADATA_URL) and Azure PowerShell read them.
 * 2015-01-01 answers the old single object az asks for; 2019-05-01 and later answer the list of
 * clouds. Reached under Microsoft's name (proxy mode) it describes the public cloud; reached as
 * the emulator (https://localhost:8443) it points sign-in and ARM at the emulator itself, so a
 * custom cloud registered from it never leaves the machine.
 */
export const METADATA_API_VERSIONS = ['2015-01-01', '2018-01-01', '2019-05-01', '2020-06-01', '2022-09-01'] as const;

export function metadataEndpoints(base: string, apiVersion: string): unknown {
  const underMicrosoftName = serviceOfHost(new URL(base).hostname) === 'arm';
  const login = underMicrosoftName ? 'https://login.microsoftonline.com' : base;
  const arm = `${base}/`;
  const audiences = ['https://management.core.windows.net/', 'https://management.azure.com/'];
  if (apiVersion === '2015-01-01' || apiVersion === '2018-01-01') {
    return {
      galleryEndpoint: 'https://gallery.azure.com/',
      graphEndpoint: 'https://graph.windows.net/',
      portalEndpoint: 'https://portal.azure.com/',
      authentication: { loginEndpoint: `${login}/`, audiences },
    };
  }
  return [{
    portal: 'https://portal.azure.com',
    authentication: { loginEndpoint: login, audiences, tenant: 'common', identityProvider: 'AAD' },
    media: 'https://rest.media.azure.net',
    graphAudience: 'https://graph.windows.net/',
    graph: 'https://graph.windows.net/',
    name: underMicrosoftName ? 'AzureCloud' : 'PimEmulator',
    suffixes: {
      azureDataLakeStoreFileSystem: 'azuredatalakestore.net',
      acrLoginServer: 'azurecr.io',
      sqlServerHostname: 'database.windows.net',
      azureDataLakeAnalyticsCatalogAndJob: 'azuredatalakeanalytics.net',
      keyVaultDns: 'vault.azure.net',
      storage: 'core.windows.net',
      azureFrontDoorEndpointSuffix: 'azurefd.net',
    },
    batch: 'https://batch.core.windows.net/',
    resourceManager: arm,
    vmImageAliasDoc: 'https://raw.githubusercontent.com/Azure/azure-rest-api-specs/master/arm-compute/quickstart-templates/aliases.json',
    activeDirectoryDataLake: 'https://datalake.azure.net/',
    sqlManagement: 'https://management.core.windows.net:8443/',
    microsoftGraphResourceId: 'https://graph.microsoft.com/',
    appInsightsResourceId: 'https://api.applicationinsights.io',
    appInsightsTelemetryChannelResourceId: 'https://dc.applicationinsights.azure.com/v2/track',
    attestationResourceId: 'https://attest.azure.net',
    synapseAnalyticsResourceId: 'https://dev.azuresynapse.net',
    logAnalyticsResourceId: 'https://api.loganalytics.io',
    ossrDbmsResourceId: 'https://ossrdbms-aad.database.windows.net',
  }];
}
