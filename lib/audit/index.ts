export * from './evaluate';
export * from './account';
export { renderAuditMarkdown, INSTANCE_COLUMNS, InstanceColumn, rpoText } from './report-markdown';
