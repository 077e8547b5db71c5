/// <reference types="@tarojs/taro" />
declare module '*.png'
declare module '*.css'
declare const API_BASE: string
declare const CLOUD_ENV: string
declare namespace NodeJS {
  interface ProcessEnv {
    TARO_ENV: 'weapp' | 'h5' | undefined
  }
}
