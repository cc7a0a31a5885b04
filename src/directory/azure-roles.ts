/**
 * Azure built-in role definitions (Azure RBAC, Microsoft.Authorization/roleDefinitions) with their
 * real GUIDs, the same in every subscription. Permissions are abridged to the control-plane
 * actions that matter here (who may write role assignments); data actions are listed by name only.
 * Ids are answered per subscription: `/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{guid}`
 * (arm-pim-reference §1, §5.3).
 */
export interface AzureRoleDefinition {
  /** The role's GUID (the same in every subscription). */
  name: string;
  roleName: string;
  description: string;
  actions: readonly string[];
  notActions: readonly string[];
  dataActions: readonly string[];
}

const role = (name: string, roleName: string, description: string, actions: string[], notActions: string[] = [], dataActions: string[] = []): AzureRoleDefinition =>
  ({ name, roleName, description, actions, notActions, dataActions });

export const AZURE_ROLE = {
  owner: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635',
  contributor: 'b24988ac-6180-42a0-ab88-20f7382dd24c',
  reader: 'acdd72a7-3385-48ef-bd42-f606fba81ae7',
  userAccessAdministrator: '18d7d88d-d35e-4fb5-a5c3-7773c20a72d9',
  rbacAdministrator: 'f58310d9-a9f6-439a-9e8d-f62e7b41a168',
} as const;

export const AZURE_BUILT_IN_ROLES: readonly AzureRoleDefinition[] = [
  role(AZURE_ROLE.owner, 'Owner', 'Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.', ['*']),
  role(AZURE_ROLE.contributor, 'Contributor', 'Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.', ['*'],
    ['Microsoft.Authorization/*/Delete', 'Microsoft.Authorization/*/Write', 'Microsoft.Authorization/elevateAccess/Action', 'Microsoft.Blueprint/blueprintAssignments/write', 'Microsoft.Blueprint/blueprintAssignments/delete', 'Microsoft.Compute/galleries/share/action']),
  role(AZURE_ROLE.reader, 'Reader', 'View all resources, but does not allow you to make any changes.', ['*/read']),
  role(AZURE_ROLE.userAccessAdministrator, 'User Access Administrator', 'Lets you manage user access to Azure resources.', ['*/read', 'Microsoft.Authorization/*', 'Microsoft.Support/*']),
  role(AZURE_ROLE.rbacAdministrator, 'Role Based Access Control Administrator', 'Manage access to Azure resources by assigning roles using Azure RBAC. This role does not allow you to manage access using other ways, such as Azure Policy.',
    ['Microsoft.Authorization/roleAssignments/write', 'Microsoft.Authorization/roleAssignments/delete', '*/read', 'Microsoft.Support/*']),
  role('17d1049b-9a84-46fb-8f53-869881c3d3ab', 'Storage Account Contributor', 'Lets you manage storage accounts, including accessing storage account keys which provide full access to storage account data.', ['Microsoft.Storage/storageAccounts/*', 'Microsoft.Resources/subscriptions/resourceGroups/read']),
  role('b7e6dc6d-f1e8-4753-8033-0f276bb0955b', 'Storage Blob Data Owner', 'Provides full access to Azure Storage blob containers and data, including assigning POSIX access control.', ['Microsoft.Storage/storageAccounts/blobServices/containers/*'], [], ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*']),
  role('ba92f5b4-2d11-453d-a403-e96b0029c9fe', 'Storage Blob Data Contributor', 'Allows for read, write and delete access to Azure Storage blob containers and data', ['Microsoft.Storage/storageAccounts/blobServices/containers/read', 'Microsoft.Storage/storageAccounts/blobServices/containers/write'], [], ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read', 'Microsoft.Storage/storageAccounts/blobServices/containers/blobs/write']),
  role('2a2b9908-6ea1-4ae2-8e65-a410df84e7d1', 'Storage Blob Data Reader', 'Allows for read access to Azure Storage blob containers and data', ['Microsoft.Storage/storageAccounts/blobServices/containers/read'], [], ['Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read']),
  role('00482a5a-887f-4fb3-b363-3b7fe8e74483', 'Key Vault Administrator', 'Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets.', ['Microsoft.Authorization/*/read', 'Microsoft.KeyVault/checkNameAvailability/read', 'Microsoft.KeyVault/vaults/*/read'], [], ['Microsoft.KeyVault/vaults/*']),
  role('b86a8fe4-44ce-4948-aee5-eccb2c155cd7', 'Key Vault Secrets Officer', 'Perform any action on the secrets of a key vault, except manage permissions.', ['Microsoft.Authorization/*/read', 'Microsoft.KeyVault/vaults/*/read'], [], ['Microsoft.KeyVault/vaults/secrets/*']),
  role('4633458b-17de-408a-b874-0445c86b69e6', 'Key Vault Secrets User', 'Read secret contents.', [], [], ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action']),
  role('21090545-7ca7-4776-b22c-e363652d74d2', 'Key Vault Reader', 'Read metadata of key vaults and its certificates, keys, and secrets.', ['Microsoft.Authorization/*/read', 'Microsoft.KeyVault/vaults/*/read'], [], ['Microsoft.KeyVault/vaults/*/read']),
  role('9980e02c-c2be-4d73-94e8-173b1dc7cf3c', 'Virtual Machine Contributor', 'Create and manage virtual machines, manage disks, install and run software, reset password of the root user of the virtual machine using VM extensions, and manage local user accounts using VM extensions.', ['Microsoft.Compute/virtualMachines/*', 'Microsoft.Compute/disks/*']),
  role('1c0163c0-47e6-4577-8991-ea5c82e286e4', 'Virtual Machine Administrator Login', 'View Virtual Machines in the portal and login as administrator', ['Microsoft.Compute/virtualMachines/*/read'], [], ['Microsoft.Compute/virtualMachines/login/action', 'Microsoft.Compute/virtualMachines/loginAsAdmin/action']),
  role('4d97b98b-1d4f-4787-a291-c67834d212e7', 'Network Contributor', 'Lets you manage networks, but not access to them.', ['Microsoft.Network/*']),
  role('43d0d8ad-25c7-4714-9337-8ba259a9fe05', 'Monitoring Reader', 'Can read all monitoring data.', ['*/read']),
  role('749f88d5-cbae-40b8-bcfc-e573ddc772fa', 'Monitoring Contributor', 'Can read all monitoring data and update monitoring settings.', ['*/read', 'Microsoft.Insights/*']),
  role('7f951dda-4ed3-4680-a7ca-43fe172d538d', 'AcrPull', 'acr pull', ['Microsoft.ContainerRegistry/registries/pull/read']),
  role('8311e382-0749-4cb8-b61a-304f252e45ec', 'AcrPush', 'acr push', ['Microsoft.ContainerRegistry/registries/pull/read', 'Microsoft.ContainerRegistry/registries/push/write']),
];

/** A built-in role by its GUID (any casing). */
export const azureRole = (guid: string): AzureRoleDefinition | undefined => AZURE_BUILT_IN_ROLES.find((r) => r.name === guid.toLowerCase());

/** The full id ARM gives a role definition in a subscription. */
export const roleDefinitionArmId = (subscriptionId: string, guid: string): string => `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;

/** Roles whose holders may write role assignments (and so PIM admin requests) at a scope. */
export const ROLE_ASSIGNMENT_WRITERS: readonly string[] = [AZURE_ROLE.owner, AZURE_ROLE.userAccessAdministrator, AZURE_ROLE.rbacAdministrator];
